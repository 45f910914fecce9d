// io_uring send: one sendmsg request per send_op (MSG_NOSIGNAL: EPIPE, not
// SIGPIPE). A partial write is the awaitable's to continue.
#include "uring/uring_backend.hpp"

namespace coronet::detail {

void uring_backend::prepare(io_uring_sqe* sqe, int fd, const send_op& op) noexcept {
  io_uring_prep_sendmsg(sqe, fd, op.msg, MSG_NOSIGNAL);
}

}  // namespace coronet::detail
