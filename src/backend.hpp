// The one interface both backends implement (src/uring, src/asio).
//
// The loop core above it knows descriptors only as io_handles and
// operations only as io_ops; a backend knows nothing of coroutines.
//
// It lives in src/, not src/core/, because it is the seam between the layers:
// src/core/ (the loop) calls it and src/uring/, src/asio/ implement it, and
// neither side owns the other. Keeping it beside the three folders says so.
#pragma once

#include <coronet/detail/io_op.hpp>
#include <coronet/loop.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>

namespace coronet::detail {

class loop_impl;

// A descriptor as the loop sees it. Backends derive their per-descriptor
// state from it. Reference counted: the owning socket holds one reference,
// every pending operation one more; the memory goes when the count does.
//
// The loop keeps every live handle in a list so that destroying the loop can
// close them (see loop.hpp). A handle whose owner outlives the loop is
// orphaned: `loop` becomes null and only closing (deleting) it is left.
struct io_handle {
  io_handle(loop_impl& l, int descriptor) noexcept;  // joins l's list
  virtual ~io_handle();                              // leaves it
  io_handle(const io_handle&) = delete;
  io_handle& operator=(const io_handle&) = delete;

  loop_impl* loop;
  io_handle* live_prev = nullptr;
  io_handle* live_next = nullptr;
  int fd;
  int refs = 1;
  unsigned pending = 0;    // operations awaiting completion
  bool referenced = true;  // pending operations keep loop::run() going
  bool closed = false;
};

class backend {
 public:
  virtual ~backend() = default;

  virtual backend_kind kind() const noexcept = 0;

  // Wraps a non-blocking descriptor; the handle owns it from now on.
  virtual io_handle* attach(int fd) = 0;
  // Cancels the handle's pending operations and closes its descriptor. The
  // caller's reference is dropped by the loop afterwards.
  virtual void close(io_handle* h) noexcept = 0;

  // Starts `op` on `h`. Returns true when it is pending (op->on_complete will
  // run later on the loop thread), false when it completed inline (op->res
  // and the op type's results are set; on_complete is not called). op->kind
  // says which op type (detail/ops/) it is.
  virtual bool start(io_handle* h, io_op* op) noexcept = 0;
  // Asks a pending op to complete early with -ECANCELED. It may still
  // complete with its real result if that raced ahead.
  virtual void cancel(io_handle* h, io_op* op) noexcept = 0;

  // receive(): gives back the buffer a receive_op was handed.
  virtual void release_receive_buffer(std::uint32_t id) noexcept = 0;

  // Submits what is queued and handles completions, waiting at most
  // `timeout` for the first (none: no limit; zero: do not wait).
  virtual void poll(std::optional<std::chrono::nanoseconds> timeout) = 0;
  // Wakes a poll() that sleeps. Safe from any thread.
  virtual void wake() noexcept = 0;
};

std::unique_ptr<backend> make_uring_backend(loop_impl& l, const loop_options& o);  // throws
std::unique_ptr<backend> make_asio_backend(loop_impl& l, const loop_options& o);
bool uring_supported() noexcept;
// Why io_uring cannot run, for the fallback notice (src/backend_info.cpp).
std::string uring_failure_reason(const std::system_error& e);
std::string uring_setup_failure(int err);

}  // namespace coronet::detail
