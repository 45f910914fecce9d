// io_uring recv: one request per recv_op, into the caller's buffer.
#include "uring/uring_backend.hpp"

namespace coronet::detail {

void uring_backend::prepare(io_uring_sqe* sqe, int fd, const recv_op& op) noexcept {
  io_uring_prep_recv(sqe, fd, op.buf, op.len, 0);
}

}  // namespace coronet::detail
