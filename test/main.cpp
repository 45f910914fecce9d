// The doctest main shared by every test program.
//
// CORONET_BACKEND picks the backend the tests run on. A value that names no
// backend is a mistake in the test setup: the program says which value and
// exits 2 rather than run on some backend the value did not name. When it
// names a backend this machine cannot run (io_uring refused by the kernel or
// a seccomp filter), the program says so and exits 77, which meson reports
// as skipped rather than passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <coronet/loop.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace {
// The names the loop itself accepts (loop.cpp's backend_from_env).
std::optional<coronet::backend_kind> backend_named(std::string_view name) {
  if (name == "uring" || name == "io_uring") return coronet::backend_kind::uring;
  if (name == "asio") return coronet::backend_kind::asio;
  return std::nullopt;
}
}  // namespace

int main(int argc, char** argv) {
  if (const char* b = std::getenv("CORONET_BACKEND"); b && *b) {
    auto kind = backend_named(b);
    if (!kind) {
      std::fprintf(stderr, "CORONET_BACKEND='%s' is not a backend: use 'uring' or 'asio'\n", b);
      return 2;
    }
    if (!coronet::backend_available(*kind)) {
      std::printf("skipped: the %s backend cannot run on this machine\n", b);
      return 77;
    }
  }
  doctest::Context context(argc, argv);
  return context.run();
}
