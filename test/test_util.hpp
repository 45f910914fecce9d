// Helpers for the I/O tests: run a coroutine to completion on a fresh loop.
#pragma once

#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/task.hpp>

#include <doctest/doctest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace coronet::test {

// Runs `fn()` (returning task<T>) on `l` until the loop has nothing left,
// and returns the task's value. Fails the test if the task never finished.
template <class F>
auto run(loop& l, F fn) {
  using T = typename decltype(fn())::value_type;
  if constexpr (std::is_void_v<T>) {
    bool done = false;
    spawn(l, [&]() -> task<void> {
      co_await fn();
      done = true;
    });
    l.run();
    REQUIRE_MESSAGE(done, "the task did not finish before the loop ran out of work");
  } else {
    std::optional<T> out;
    spawn(l, [&]() -> task<void> { out.emplace(co_await fn()); });
    l.run();
    REQUIRE_MESSAGE(out.has_value(), "the task did not finish before the loop ran out of work");
    return std::move(*out);
  }
}

// A listening socket, or a failed test. (Tests keep it in a plain variable:
// clang 14 cannot capture structured bindings in lambdas.)
inline listener listen(loop& l, const endpoint& at, listen_options o = {}) {
  auto r = listener::listen(l, at, o);
  REQUIRE_MESSAGE(!r.ec, "listen " << at.to_string() << ": " << r.ec.message());
  return std::move(r.value);
}

// Open descriptors of this process (for leak checks).
inline int open_fd_count() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n - 3;  // ".", ".." and the directory itself
}

// A unique Unix socket path in the temporary directory.
inline std::string temp_socket_path(const char* tag) {
  const char* dir = std::getenv("TMPDIR");
  std::string p = std::string(dir && *dir ? dir : "/tmp") + "/coronet-" + tag + "-" + std::to_string(::getpid()) + "-" +
                  std::to_string(std::rand());
  ::unlink(p.c_str());
  return p;
}

}  // namespace coronet::test
