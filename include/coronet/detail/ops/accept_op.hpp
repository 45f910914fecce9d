// accept_op: takes one connection from a listening socket.
// res: the accepted descriptor (non-blocking, close-on-exec).
#pragma once

#include <coronet/detail/io_op.hpp>

namespace coronet::detail {

struct accept_op final : io_op {
  accept_op() noexcept : io_op(op_kind::accept) {}
};

}  // namespace coronet::detail
