// send_op: sendmsg(msg) without SIGPIPE. res: bytes written (may be partial).
#pragma once

#include <coronet/detail/io_op.hpp>

#include <sys/socket.h>

namespace coronet::detail {

struct send_op final : io_op {
  send_op() noexcept : io_op(op_kind::send) {}

  msghdr* msg = nullptr;
};

}  // namespace coronet::detail
