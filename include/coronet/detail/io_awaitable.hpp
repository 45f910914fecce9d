// io_awaitable: what every I/O awaitable shares.
//
// A derived awaitable fills in the request (op_.kind, buffers, address) and,
// for operations that may need more than one system call (write_all), a
// `progress` hook; this base starts the op on the backend, registers the
// stop token, keeps the loop referenced while the op is pending and resumes
// the awaiting coroutine exactly once. The op is always allowed to finish in
// the kernel before the coroutine resumes, so the kernel never writes into a
// frame that is gone.
#pragma once

#include <coronet/detail/io_op.hpp>
#include <coronet/detail/stop_link.hpp>

#include <coroutine>
#include <stop_token>
#include <system_error>

namespace coronet::detail {

class io_awaitable {
 public:
  io_awaitable(const io_awaitable&) = delete;
  io_awaitable& operator=(const io_awaitable&) = delete;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;

 protected:
  // Called after each successful system call. Returns true when the
  // operation is complete; false after it updated the request for another
  // round (which this base then starts).
  using progress_fn = bool (*)(io_awaitable*) noexcept;

  io_awaitable(io_handle* h, op_kind kind, std::stop_token stop, progress_fn progress = nullptr) noexcept;
  ~io_awaitable() = default;

  std::error_code error() const noexcept;
  io_handle* handle() const noexcept { return handle_; }
  // The loop of the handle; unlike the handle, valid in await_resume.
  loop_impl* owner_loop() const noexcept { return loop_; }

  io_op op_;

 private:
  static void completed(io_op* op) noexcept;
  static void cancel(io_op* op) noexcept;
  // Starts rounds until one is pending (true) or the op is done (false).
  bool start() noexcept;
  void finish() noexcept;

  io_handle* handle_;
  loop_impl* loop_;
  std::stop_token stop_;
  progress_fn progress_;
  stop_link link_;
  std::coroutine_handle<> waiter_;
  bool counted_ = false;
  bool settled_ = false;  // the result is final; completed() only delivers it
};

}  // namespace coronet::detail
