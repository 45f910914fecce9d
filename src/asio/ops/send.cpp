// Asio send: sendmsg without SIGPIPE (MSG_NOSIGNAL or SO_NOSIGPIPE).
#include "asio/asio_backend.hpp"
#include "core/posix_compat.hpp"

namespace coronet::detail {

int asio_backend::perform(int fd, send_op& op) noexcept {
  ssize_t n = sendmsg_nosignal(fd, op.msg);
  return n >= 0 ? static_cast<int>(n) : last_error();
}

}  // namespace coronet::detail
