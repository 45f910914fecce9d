#include "socket_util.hpp"

#include <coronet/error.hpp>

#include "backend.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace coronet::detail {

void set_nonblocking(int fd) noexcept {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

namespace {
template <class Getter>
result<endpoint> endpoint_of(const io_handle* h, Getter get) {
  if (!h) return {errno_code(EBADF), {}};
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (get(h->fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return {errno_code(errno), {}};
  return {{}, endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len)};
}
}  // namespace

result<endpoint> local_endpoint_of(const io_handle* h) { return endpoint_of(h, ::getsockname); }
result<endpoint> remote_endpoint_of(const io_handle* h) { return endpoint_of(h, ::getpeername); }

}  // namespace coronet::detail
