// The POSIX fallbacks behind Linux's socket extensions (src/core/posix_compat):
// whichever branch this build took (-Dportable_posix=true takes the fallback
// on Linux), sockets come out non-blocking and close-on-exec and a write to a
// closed peer is EPIPE, never a SIGPIPE.
#include <coronet/endpoint.hpp>
#include <coronet/error.hpp>
#include <coronet/loop.hpp>
#include <coronet/stream_socket.hpp>

#include <doctest/doctest.h>

#include "core/posix_compat.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "../test_util.hpp"

using namespace coronet;

namespace {

bool nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
bool cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

bool sigpipe_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

bool sigpipe_blocked() {
  sigset_t now;
  ::pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, SIGPIPE) == 1;
}

// A connected Unix socket pair whose second end is closed: any write to the
// first is EPIPE at once.
int socket_with_closed_peer() {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  ::close(pair[1]);
  return pair[0];
}

ssize_t send_byte(int fd) {
  char byte = 'x';
  iovec iov{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  return detail::sendmsg_nosignal(fd, &msg);
}

}  // namespace

TEST_CASE("the build takes the Linux extensions, or every fallback with portable_posix") {
  const auto p = detail::compiled_posix_paths();
#if CORONET_PORTABLE_POSIX
  CHECK_FALSE(p.socket_flags);
  CHECK_FALSE(p.accept4);
  CHECK_FALSE(p.msg_nosignal);
#elif defined(__linux__)
  CHECK(p.socket_flags);
  CHECK(p.accept4);
  CHECK(p.msg_nosignal);
#endif
}

TEST_CASE("open_stream_socket makes a non-blocking, close-on-exec socket") {
  int fd = detail::open_stream_socket(AF_INET);
  REQUIRE(fd >= 0);
  CHECK(nonblocking(fd));
  CHECK(cloexec(fd));
  ::close(fd);
  CHECK(detail::open_stream_socket(-1) == -1);  // a bad family fails as socket() does
  CHECK(errno == EAFNOSUPPORT);
}

TEST_CASE("accept_nonblocking makes the accepted socket non-blocking and close-on-exec") {
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);  // blocking, inheritable: nothing to pass on
  REQUIRE(lfd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(lfd, 4) == 0);
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  int cfd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(cfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // loopback: at once
  int s = detail::accept_nonblocking(lfd);
  REQUIRE(s >= 0);
  CHECK(nonblocking(s));
  CHECK(cloexec(s));
  ::close(s);
  ::close(cfd);
  ::close(lfd);
  CHECK(detail::accept_nonblocking(lfd) == -1);  // closed: fails as accept() does
  CHECK(errno == EBADF);
}

TEST_CASE("sendmsg_nosignal to a closed peer is EPIPE, with no SIGPIPE raised or left blocked") {
  ::signal(SIGPIPE, SIG_DFL);  // a SIGPIPE would end this test program
  int fd = socket_with_closed_peer();
  CHECK(send_byte(fd) == -1);
  CHECK(errno == EPIPE);
  CHECK_FALSE(sigpipe_pending());
  CHECK_FALSE(sigpipe_blocked());
  ::close(fd);
}

TEST_CASE("sendmsg_nosignal leaves a SIGPIPE the caller already had pending") {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &pipe_only, &old) == 0);
  REQUIRE(::pthread_kill(::pthread_self(), SIGPIPE) == 0);
  int fd = socket_with_closed_peer();
  CHECK(send_byte(fd) == -1);
  CHECK(errno == EPIPE);
  CHECK(sigpipe_pending());  // the caller's, still there to be taken
  CHECK(sigpipe_blocked());  // and the caller's mask is as it was
  const timespec now{};
  CHECK(::sigtimedwait(&pipe_only, nullptr, &now) == SIGPIPE);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(fd);
}

TEST_CASE("write_all to a closed peer is EPIPE on this backend, and no SIGPIPE is raised") {
  ::signal(SIGPIPE, SIG_DFL);
  loop l;
  stream_socket s(l, socket_with_closed_peer());
  auto ec = test::run(l, [&]() -> task<std::error_code> {
    const std::string bytes(1000, 'p');
    auto w = co_await s.write_all(std::as_bytes(std::span(bytes)));
    co_return w.ec;
  });
  CHECK(error_name(ec) == "EPIPE");
  CHECK_FALSE(sigpipe_pending());
}

TEST_CASE("a Unix socket name starting with NUL is an abstract name on Linux, EINVAL elsewhere") {
  auto at = endpoint::unix_path(std::string("\0coronet-abstract", 17));
  if constexpr (detail::abstract_unix_names) {
    REQUIRE_FALSE(at.ec);
    CHECK(at->is_abstract());
  } else {
    CHECK(error_name(at.ec) == "EINVAL");
  }
  CHECK_FALSE(endpoint::unix_path("/tmp/coronet-not-abstract").ec);  // a path is one everywhere
}
