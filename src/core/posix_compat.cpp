#include "posix_compat.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

// The feature tests. CORONET_PORTABLE_POSIX (meson -Dportable_posix=true)
// turns every Linux extension off, so the fallbacks are what runs.
// CORONET_HAVE_ACCEPT4 comes from meson (accept4 is a function: no macro
// tells whether libc has it).
#if !CORONET_PORTABLE_POSIX && defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
#define CORONET_USE_SOCKET_FLAGS 1
#endif
#if !CORONET_PORTABLE_POSIX && CORONET_HAVE_ACCEPT4 && CORONET_USE_SOCKET_FLAGS
#define CORONET_USE_ACCEPT4 1
#endif
#if !CORONET_PORTABLE_POSIX && defined(MSG_NOSIGNAL)
#define CORONET_USE_MSG_NOSIGNAL 1
#endif

namespace coronet::detail {

namespace {
#if !CORONET_USE_SOCKET_FLAGS || !CORONET_USE_ACCEPT4
// TRICKY: between socket()/accept() and FD_CLOEXEC, a fork() and exec() in
// another thread inherits the descriptor. The atomic flags exist for that;
// without them this window cannot be closed.
int make_nonblocking_cloexec(int fd) noexcept {
  int fl = ::fcntl(fd, F_GETFL);
  int fdfl = ::fcntl(fd, F_GETFD);
  if (fl < 0 || fdfl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || ::fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}
#endif
}  // namespace

int open_stream_socket(int family) noexcept {
#if CORONET_USE_SOCKET_FLAGS
  return ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
  int fd = ::socket(family, SOCK_STREAM, 0);
  return fd < 0 ? fd : make_nonblocking_cloexec(fd);
#endif
}

int accept_nonblocking(int listener_fd) noexcept {
#if CORONET_USE_ACCEPT4
  return ::accept4(listener_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  // Linux's accept() does not pass O_NONBLOCK on and the BSDs' does; both
  // flags are set either way.
  int fd = ::accept(listener_fd, nullptr, nullptr);
  return fd < 0 ? fd : make_nonblocking_cloexec(fd);
#endif
}

void suppress_sigpipe(int fd) noexcept {
#if !CORONET_USE_MSG_NOSIGNAL && defined(SO_NOSIGPIPE)
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
  (void)fd;
#endif
}

ssize_t sendmsg_nosignal(int fd, const msghdr* msg) noexcept {
#if CORONET_USE_MSG_NOSIGNAL
  return ::sendmsg(fd, msg, MSG_NOSIGNAL);
#elif defined(SO_NOSIGPIPE)
  return ::sendmsg(fd, msg, 0);
#else
  // Neither: the signal is blocked in this thread for the call. SIGPIPE is
  // sent to the thread that wrote, so no other thread can receive it, and a
  // SIGPIPE that was already pending (blocked by the caller) is left alone.
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n = ::sendmsg(fd, msg, 0);
  const int err = errno;
  if (n < 0 && err == EPIPE && !was_pending) {
    const timespec now{};
    while (::sigtimedwait(&pipe_only, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return n;
#endif
}

posix_paths compiled_posix_paths() noexcept {
  posix_paths p{};
#if CORONET_USE_SOCKET_FLAGS
  p.socket_flags = true;
#endif
#if CORONET_USE_ACCEPT4
  p.accept4 = true;
#endif
#if CORONET_USE_MSG_NOSIGNAL
  p.msg_nosignal = true;
#endif
  return p;
}

}  // namespace coronet::detail
