// stream_socket: binding, a last non-blocking write and the socket options
// beyond no-delay and keep-alive.
#include <coronet/error.hpp>
#include <coronet/stream_socket.hpp>

#include "posix_compat.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace coronet {

namespace {
bool is_ipv6(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && ss.ss_family == AF_INET6;
}

std::error_code set_int(int fd, int level, int name, int v) noexcept {
  if (::setsockopt(fd, level, name, &v, sizeof v) < 0) return errno_code(errno);
  return {};
}
}  // namespace

std::error_code stream_socket::set_keep_alive_probes(std::chrono::seconds interval, int count) noexcept {
  const int fd = native_handle();
  if (fd < 0) return errno_code(EBADF);
  if (interval.count() > 0)
    if (auto ec = set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(interval.count()))) return ec;
  if (count > 0)
    if (auto ec = set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, count)) return ec;
  return {};
}

std::error_code stream_socket::set_type_of_service(int tos) noexcept {
  const int fd = native_handle();
  if (fd < 0) return errno_code(EBADF);
  if (!is_ipv6(fd)) return set_int(fd, IPPROTO_IP, IP_TOS, tos);
  if (auto ec = set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, tos)) return ec;
  set_int(fd, IPPROTO_IP, IP_TOS, tos);  // refused on a v6-only socket; that is fine
  return {};
}

result<int> stream_socket::type_of_service() const noexcept {
  const int fd = native_handle();
  if (fd < 0) return {errno_code(EBADF), 0};
  const bool v6 = is_ipv6(fd);
  int tos = 0;
  socklen_t len = sizeof tos;
  if (::getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS, &tos, &len) < 0)
    return {errno_code(errno), 0};
  return {{}, tos};
}

std::error_code stream_socket::bind(const endpoint& at) noexcept {
  const int fd = native_handle();
  if (fd < 0) return errno_code(EBADF);
  if (::bind(fd, at.data(), at.size()) < 0) return errno_code(errno);
  return {};
}

result<std::size_t> stream_socket::try_write(const_buffer bytes) noexcept {
  const int fd = native_handle();
  if (fd < 0) return {errno_code(EBADF), 0};
  // The descriptor is non-blocking (stream_socket makes it so): a full
  // buffer is EAGAIN, never a wait.
  iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const ssize_t n = detail::sendmsg_nosignal(fd, &msg);
  if (n >= 0) return {{}, static_cast<std::size_t>(n)};
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {{}, 0};
  return {errno_code(errno), 0};
}

}  // namespace coronet
