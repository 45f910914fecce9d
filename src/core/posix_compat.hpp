// The few places coronet needs more than plain POSIX, each behind a feature
// test: Linux (and the BSDs) set a new socket's flags atomically and can send
// without SIGPIPE in one call; other systems get the same result from the
// POSIX calls, one or two more system calls each. Building with
// -Dportable_posix=true takes the POSIX branch on Linux too, so it is built
// and tested here. The io_uring backend is Linux-only and does not use these.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

namespace coronet::detail {

// A non-blocking, close-on-exec stream socket of `family`, or -1 with errno
// set (as socket()).
int open_stream_socket(int family) noexcept;

// accept() for a non-blocking listener: the new descriptor is non-blocking
// and close-on-exec, or -1 with errno set (as accept()).
int accept_nonblocking(int listener_fd) noexcept;

// Once per descriptor, before the first send: asks the kernel not to raise
// SIGPIPE on it, where that is a socket option (SO_NOSIGPIPE: macOS, the
// BSDs). A no-op elsewhere; never fails (a descriptor that is not a socket
// simply keeps the default).
void suppress_sigpipe(int fd) noexcept;

// sendmsg() that reports a closed peer as EPIPE and never raises SIGPIPE:
// MSG_NOSIGNAL where defined; else the socket's SO_NOSIGPIPE (set by
// suppress_sigpipe); else SIGPIPE is blocked in this thread around the call
// and a SIGPIPE the call raised is taken back before it is unblocked.
ssize_t sendmsg_nosignal(int fd, const msghdr* msg) noexcept;

// Whether a Unix socket name may start with '\0' (Linux's abstract names).
// Elsewhere such a name is refused with EINVAL: on other systems the kernel
// would bind an ordinary path, or fail, depending on the system.
#if defined(__linux__)
inline constexpr bool abstract_unix_names = true;
#else
inline constexpr bool abstract_unix_names = false;
#endif

// Which branch this build took (for the tests): true where a Linux extension
// is used, false where the POSIX fallback is.
struct posix_paths {
  bool socket_flags;  // SOCK_NONBLOCK | SOCK_CLOEXEC in socket()
  bool accept4;       // accept4() instead of accept() + fcntl()
  bool msg_nosignal;  // MSG_NOSIGNAL instead of SO_NOSIGPIPE or a signal mask
};
posix_paths compiled_posix_paths() noexcept;

}  // namespace coronet::detail
