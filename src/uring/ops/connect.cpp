// io_uring connect: one request per connect_op.
#include "uring/uring_backend.hpp"

namespace coronet::detail {

void uring_backend::prepare(io_uring_sqe* sqe, int fd, const connect_op& op) noexcept {
  io_uring_prep_connect(sqe, fd, op.addr, op.addrlen);
}

}  // namespace coronet::detail
