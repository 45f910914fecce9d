// connect_op: connects a stream socket to `addr`. res: 0.
#pragma once

#include <coronet/detail/io_op.hpp>

#include <sys/socket.h>

namespace coronet::detail {

struct connect_op final : io_op {
  connect_op() noexcept : io_op(op_kind::connect) {}

  const sockaddr* addr = nullptr;
  socklen_t addrlen = 0;
  // Asio: connect() said EINPROGRESS, so readiness means "decided" and the
  // outcome is read from SO_ERROR. An op is started once.
  bool in_progress = false;
};

}  // namespace coronet::detail
