// receive_op: reads into a loop-owned buffer the backend picks.
// res: bytes (0 = end of stream); with res > 0 the backend has set `data`
// and `buffer_id`, and the buffer is the awaitable's to give back.
#pragma once

#include <coronet/detail/io_op.hpp>

#include <cstddef>
#include <cstdint>

namespace coronet::detail {

struct receive_op final : io_op {
  receive_op() noexcept : io_op(op_kind::receive) {}

  std::uint32_t buffer_id = 0;  // which loop buffer holds the bytes
  std::byte* data = nullptr;    // where it lives; `res` bytes are valid
};

}  // namespace coronet::detail
