// The errors a user meets, with Node's names.
#include <coronet/error.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <string>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// A loopback port that nothing listens on: bind, read the port, close.
std::uint16_t unused_port() {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  return srv.local_endpoint()->port();
}
}  // namespace

TEST_CASE("connecting to a closed port is ECONNREFUSED") {
  loop l;
  auto at = endpoint::loopback(AF_INET, unused_port());
  auto r = test::run(l, [&] { return connect(l, at); });
  CHECK(r.ec == std::errc::connection_refused);
  CHECK(error_name(r.ec) == "ECONNREFUSED");
}

TEST_CASE("connecting to a missing Unix path is ENOENT") {
  loop l;
  auto at = *endpoint::unix_path(test::temp_socket_path("missing"));
  auto r = test::run(l, [&] { return connect(l, at); });
  CHECK(error_name(r.ec) == "ENOENT");
}

TEST_CASE("a Unix path longer than sun_path is rejected, not truncated") {
  auto r = endpoint::unix_path(std::string(200, 'a'));
  CHECK(error_name(r.ec) == "ENAMETOOLONG");
  CHECK(endpoint::unix_path(std::string(107, 'a')));
  CHECK_FALSE(endpoint::unix_path(std::string(108, 'a')));
}

TEST_CASE("listening on a port in use is EADDRINUSE") {
  loop l;
  auto first = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto second = listener::listen(l, *first.local_endpoint());
  CHECK(error_name(second.ec) == "EADDRINUSE");
}

TEST_CASE("accept after close is EBADF") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  srv.close();
  auto r = test::run(l, [&]() -> task<result<stream_socket>> { co_return co_await srv.accept(); });
  CHECK(error_name(r.ec) == "EBADF");
}

TEST_CASE("closing a listener ends a pending accept with ECANCELED") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  spawn(l, [&]() -> task<void> {
    co_await sleep_for(l, 5ms);
    srv.close();
  });
  auto r = test::run(l, [&]() -> task<result<stream_socket>> { co_return co_await srv.accept(); });
  CHECK(error_name(r.ec) == "ECANCELED");
}

TEST_CASE("reading from a peer that reset is ECONNRESET") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    REQUIRE_FALSE(aec);
    s.reset();  // RST instead of FIN
  });
  SUBCASE("with read_some") {
    auto r = test::run(l, [&]() -> task<result<std::size_t>> {
      auto [cec, c] = co_await connect(l, at);
      REQUIRE_FALSE(cec);
      char buf[16];
      co_return co_await c.read_some(std::as_writable_bytes(std::span(buf)));
    });
    CHECK(error_name(r.ec) == "ECONNRESET");
  }
  SUBCASE("with receive") {
    auto r = test::run(l, [&]() -> task<std::error_code> {
      auto [cec, c] = co_await connect(l, at);
      REQUIRE_FALSE(cec);
      auto got = co_await c.receive();
      co_return got.ec;
    });
    CHECK(error_name(r) == "ECONNRESET");
  }
}

TEST_CASE("writing to a closed peer is EPIPE and the process survives") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    REQUIRE_FALSE(aec);
    s.close();
  });
  auto r = test::run(l, [&]() -> task<std::error_code> {
    auto [cec, c] = co_await connect(l, at);
    REQUIRE_FALSE(cec);
    co_await sleep_for(l, 20ms);  // the peer has closed by now
    std::string chunk(64 * 1024, 'z');
    // The first write may land in the kernel buffer before the RST comes back.
    for (int i = 0; i < 100; ++i) {
      auto w = co_await c.write_all(std::as_bytes(std::span(chunk)));
      if (w.ec) co_return w.ec;
      co_await sleep_for(l, 1ms);
    }
    co_return std::error_code{};
  });
  CHECK((error_name(r) == "EPIPE" || error_name(r) == "ECONNRESET"));
}

TEST_CASE("a peer that ends its side reads as zero bytes, repeatedly") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    REQUIRE_FALSE(aec);
    co_await s.write_all(std::as_bytes(std::span("bye", 3)));
    CHECK_FALSE(s.shutdown());
    co_await sleep_for(l, 20ms);
  });
  test::run(l, [&]() -> task<void> {
    auto [cec, c] = co_await connect(l, at);
    REQUIRE_FALSE(cec);
    std::string got;
    for (;;) {
      auto [rec, chunk] = co_await c.receive();
      REQUIRE_FALSE(rec);
      if (chunk.empty()) break;
      got.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    }
    CHECK(got == "bye");
    auto again = co_await c.receive();
    CHECK_FALSE(again.ec);
    CHECK(again.value.empty());
  });
}

TEST_CASE("operations on a closed socket are EBADF") {
  loop l;
  stream_socket s;
  auto r = test::run(l, [&]() -> task<result<std::size_t>> {
    char buf[4];
    co_return co_await s.read_some(std::as_writable_bytes(std::span(buf)));
  });
  CHECK(error_name(r.ec) == "EBADF");
}
