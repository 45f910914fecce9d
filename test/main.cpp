// The doctest main shared by every test program.
//
// When CORONET_BACKEND names a backend this machine cannot run (io_uring
// refused by the kernel or a seccomp filter), the program says so and exits
// 77, which meson reports as skipped rather than passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <coronet/loop.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

int main(int argc, char** argv) {
  if (const char* b = std::getenv("CORONET_BACKEND")) {
    std::string_view name(b);
    auto kind = name == "asio" ? coronet::backend_kind::asio : coronet::backend_kind::uring;
    if (!coronet::backend_available(kind)) {
      std::printf("skipped: the %s backend cannot run on this machine\n", b);
      return 77;
    }
  }
  doctest::Context context(argc, argv);
  return context.run();
}
