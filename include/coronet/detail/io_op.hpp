// io_op: what every pending I/O operation shares, the base of the op types
// in detail/ops/ (one per operation, each holding its own request and
// results). Public only because awaitables live in coroutine frames; users
// never touch it.
//
// Adding an operation (splice, sendfile, send_zc) means one op type in
// detail/ops/, one file in each backend's ops/ (src/uring/ops/,
// src/asio/ops/; a case in each backend's dispatch switch, which names every
// kind) and one awaitable.
#pragma once

#include <coronet/detail/cancellable.hpp>

#include <cstdint>

namespace coronet::detail {

struct io_handle;

// Which op type an io_op is: the backends' dispatch reads it, once per start.
enum class op_kind : std::uint8_t {
  accept,   // accept_op
  connect,  // connect_op
  recv,     // recv_op
  receive,  // receive_op
  send,     // send_op
};

// An io_op is a completion: the loop queues it to deliver its result.
struct io_op : cancellable {
  using complete_fn = void (*)(io_op*) noexcept;

  const op_kind kind;
  std::uint8_t backend_flags = 0;  // backend scratch (io_uring: a cancel was asked)
  int res = 0;                     // >= 0: result (see the op type); < 0: -errno
  // Called on the loop thread when `res` (and the op type's results) hold
  // the outcome.
  complete_fn on_complete = nullptr;
  io_handle* handle = nullptr;  // backend scratch: the handle a started op runs on
  void* owner = nullptr;        // the awaitable that embeds this op

 protected:
  explicit io_op(op_kind k) noexcept : kind(k) {}
  ~io_op() = default;
};

}  // namespace coronet::detail
