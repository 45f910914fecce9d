// recv_op: reads into the caller's buffer. res: bytes (0 = end of stream).
#pragma once

#include <coronet/detail/io_op.hpp>

#include <cstddef>

namespace coronet::detail {

struct recv_op final : io_op {
  recv_op() noexcept : io_op(op_kind::recv) {}

  void* buf = nullptr;
  std::size_t len = 0;
};

}  // namespace coronet::detail
