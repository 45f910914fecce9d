// io_awaitable: what every I/O awaitable shares.
//
// A derived awaitable embeds its op type (io_awaitable<recv_op>, ...), fills
// in the request and, for operations that may need more than one system call
// (write_all), a `progress` hook; the base starts the op on the backend,
// registers the stop token, keeps the loop referenced while the op is
// pending and resumes the awaiting coroutine exactly once. The op is always
// allowed to finish in the kernel before the coroutine resumes, so the kernel
// never writes into a frame that is gone.
#pragma once

#include <coronet/detail/io_op.hpp>
#include <coronet/detail/stop_link.hpp>

#include <coroutine>
#include <stop_token>
#include <system_error>

namespace coronet::detail {

class loop_impl;

// The part that does not depend on the op type (src/core/io_awaitable.cpp).
class io_awaitable_base {
 public:
  io_awaitable_base(const io_awaitable_base&) = delete;
  io_awaitable_base& operator=(const io_awaitable_base&) = delete;

  bool await_ready() const noexcept { return false; }

 protected:
  // Called after each successful system call. Returns true when the
  // operation is complete; false after it updated the request for another
  // round (which this base then starts).
  using progress_fn = bool (*)(io_awaitable_base*) noexcept;

  io_awaitable_base(io_handle* h, std::stop_token stop, progress_fn progress) noexcept;
  ~io_awaitable_base() = default;

  // Makes `op` this awaitable's: its completion and cancel come here.
  void bind(io_op& op) noexcept;
  bool suspend(io_op& op, std::coroutine_handle<> h) noexcept;
  static std::error_code error_of(int res) noexcept;
  io_handle* handle() const noexcept { return handle_; }
  // The loop of the handle; unlike the handle, valid in await_resume.
  loop_impl* owner_loop() const noexcept { return loop_; }

 private:
  static void completed(io_op* op) noexcept;
  static void cancel(cancellable* c) noexcept;
  // Starts rounds until one is pending (true) or the op is done (false).
  bool start(io_op& op) noexcept;
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

template <class Op>
class io_awaitable : public io_awaitable_base {
 public:
  bool await_suspend(std::coroutine_handle<> h) noexcept { return suspend(op_, h); }

 protected:
  io_awaitable(io_handle* h, std::stop_token stop, progress_fn progress = nullptr) noexcept
      : io_awaitable_base(h, std::move(stop), progress) {
    bind(op_);
  }
  ~io_awaitable() = default;

  std::error_code error() const noexcept { return error_of(op_.res); }

  Op op_;
};

}  // namespace coronet::detail
