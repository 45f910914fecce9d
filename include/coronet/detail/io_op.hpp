// The record of one pending operation, shared by the awaitables and the
// backends. Public only because awaitables live in coroutine frames; users
// never touch it.
#pragma once

#include <coronet/completion.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace coronet::detail {

class loop_impl;
struct io_handle;

enum class op_kind : std::uint8_t {
  accept,   // res: the accepted descriptor
  connect,  // res: 0
  recv,     // into the caller's buffer; res: bytes (0 = end of stream)
  receive,  // into a loop-owned buffer; res: bytes, buffer_id says which
  send,     // sendmsg(msg); res: bytes written (may be partial)
  timer,    // no backend involvement; res: 0
};

// An io_op is a completion: the loop queues it to deliver its result.
struct io_op : completion {
  using complete_fn = void (*)(io_op*) noexcept;
  using cancel_fn = void (*)(io_op*) noexcept;

  // Called on the loop thread when `res` (and `buffer_id`) hold the outcome.
  // For multishot kernel requests a backend may call it more than once.
  complete_fn on_complete = nullptr;
  // Asks for early completion with -ECANCELED; called on the loop thread.
  cancel_fn on_cancel = nullptr;

  int res = 0;                  // >= 0: result; < 0: -errno
  std::uint32_t cqe_flags = 0;  // backend scratch (io_uring CQE flags)
  io_handle* handle = nullptr;  // backend scratch: the handle a started op runs on
  std::uint32_t buffer_id = 0;  // receive(): which loop buffer holds the bytes
  op_kind kind = op_kind::recv;
  bool cancel_posted = false;  // a cross-thread stop request names this op

  // The request.
  void* buf = nullptr;
  std::size_t len = 0;
  msghdr* msg = nullptr;
  const sockaddr* addr = nullptr;
  socklen_t addrlen = 0;

  void* owner = nullptr;  // the awaitable that embeds this op
};

}  // namespace coronet::detail
