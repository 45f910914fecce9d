// Where io_uring cannot be set up (a seccomp filter in a container, the
// kernel.io_uring_disabled sysctl, an old kernel) the loop runs on Asio and
// says so once, naming the cause. Simulated here with a seccomp filter in a
// child process; probe_backends() must name the same cause.
#include <coronet/backend_info.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// Makes io_uring_setup fail with `err` in this process from now on.
bool refuse_io_uring(int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

struct child_result {
  int exit_code;
  std::string stderr_text;
};

// Runs `body` in a child whose io_uring_setup fails with `err`; the child's
// exit code says whether body held, its stderr is captured.
template <class F>
child_result in_child_without_io_uring(int err, F body) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::unsetenv("CORONET_BACKEND");
    if (!refuse_io_uring(err)) ::_exit(3);
    ::_exit(body() ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

bool loop_runs_on_asio() {
  loop a;
  loop b;  // a second loop must not repeat the notice
  bool slept = false;
  spawn(a, [&]() -> task<void> {
    co_await sleep_for(a, 1ms);
    slept = true;
  });
  a.run();
  return slept && a.backend() == backend_kind::asio && b.backend() == backend_kind::asio;
}

bool sysctl_disables_io_uring() { return probe_backends().io_uring_disabled > 0; }

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a loop falls back to Asio when a seccomp filter refuses io_uring, and says so once") {
  if (!backend_compiled(backend_kind::uring) || !backend_compiled(backend_kind::asio)) return;
  for (int err : {ENOSYS, EPERM}) {
    CAPTURE(err);
    auto r = in_child_without_io_uring(err, loop_runs_on_asio);
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.stderr_text, "using the Boost.Asio backend") == 1);
    // The notice names the errno and the filter, not just "unavailable"
    // (where the io_uring_disabled sysctl is set, it is named instead).
    CAPTURE(r.stderr_text);
    CHECK(count_of(r.stderr_text, err == EPERM ? "io_uring_setup: EPERM" : "io_uring_setup: ENOSYS") == 1);
    if (!sysctl_disables_io_uring()) CHECK(count_of(r.stderr_text, "seccomp filter") == 1);
  }
}

TEST_CASE("probe_backends names the seccomp filter that refuses io_uring") {
  if (!backend_compiled(backend_kind::uring) || !backend_compiled(backend_kind::asio)) return;
  if (sysctl_disables_io_uring()) return;  // then the sysctl is the reason given
  auto r = in_child_without_io_uring(EPERM, [] {
    backend_info info = probe_backends();
    std::fputs(to_string(info).c_str(), stderr);
    return info.backend == backend_kind::asio && info.setup_errno == EPERM && info.seccomp == 2 &&
           info.reason.find("seccomp filter") != std::string::npos && !info.features.multishot_accept;
  });
  CAPTURE(r.stderr_text);
  CHECK(r.exit_code == 0);
  CHECK(count_of(r.stderr_text, "why not io_uring: io_uring_setup: EPERM") == 1);
}

TEST_CASE("probe_backends says when CORONET_BACKEND=asio forces Asio") {
  const char* before = std::getenv("CORONET_BACKEND");
  std::string saved = before ? before : "";
  ::setenv("CORONET_BACKEND", "asio", 1);
  backend_info info = probe_backends();
  if (before)
    ::setenv("CORONET_BACKEND", saved.c_str(), 1);
  else
    ::unsetenv("CORONET_BACKEND");
  CHECK(info.backend == backend_kind::asio);
  CHECK(info.reason == "CORONET_BACKEND=asio forces the Asio backend");
  CHECK(to_string(info).find("why not io_uring: CORONET_BACKEND=asio") != std::string::npos);
}

TEST_CASE("probe_backends agrees with the loop") {
  backend_info info = probe_backends();
  CAPTURE(to_string(info));
  loop l;
  CHECK(l.backend() == info.backend);
  CHECK(info.reason.empty() == (info.backend == backend_kind::uring));
}

TEST_CASE("forcing io_uring where it cannot run fails with a clear error") {
  if (!backend_compiled(backend_kind::uring)) return;
  auto r = in_child_without_io_uring(ENOSYS, [] {
    try {
      loop l({.backend = backend_kind::uring});
      return false;
    } catch (const std::system_error& e) {
      return e.code() == std::errc::function_not_supported;
    }
  });
  CHECK(r.exit_code == 0);
  CHECK(backend_available(backend_kind::uring));  // the filter was the child's alone
}
