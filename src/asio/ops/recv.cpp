// Asio recv: recv into the caller's buffer.
#include "asio/asio_backend.hpp"

#include <sys/socket.h>

namespace coronet::detail {

int asio_backend::perform(int fd, recv_op& op) noexcept {
  ssize_t n = ::recv(fd, op.buf, op.len, 0);
  return n >= 0 ? static_cast<int>(n) : last_error();
}

}  // namespace coronet::detail
