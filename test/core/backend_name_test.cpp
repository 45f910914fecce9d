// to_string(backend_kind) names the two backends, and says "unknown(N)" for a
// value cast from an integer out of range rather than calling it a backend.
#include <coronet/loop.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace coronet;

TEST_CASE("to_string names each backend") {
  CHECK(to_string(backend_kind::uring) == "uring");
  CHECK(to_string(backend_kind::asio) == "asio");
}

TEST_CASE("to_string of a value that is no backend says unknown and the value") {
  CHECK(to_string(static_cast<backend_kind>(2)) == "unknown(2)");
  CHECK(to_string(static_cast<backend_kind>(17)) == "unknown(17)");
  CHECK(to_string(static_cast<backend_kind>(200)) == "unknown(200)");
  CHECK(to_string(static_cast<backend_kind>(255)) == "unknown(255)");
  for (int v = 2; v < 256; ++v) CHECK(to_string(static_cast<backend_kind>(v)) == "unknown(" + std::to_string(v) + ")");
}
