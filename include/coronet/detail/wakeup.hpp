// wakeup: one coroutine waits, someone else wakes it in the loop's next turn.
//
// Used by long-lived coroutines (a socket's reader and writer) that sleep
// until there is work. notify() never resumes the waiter inline, so it is
// safe to call from inside user callbacks; it allocates nothing. A notify()
// with nobody waiting is remembered for the next wait.
#pragma once

#include <coronet/detail/io_op.hpp>

#include <coroutine>

namespace coronet {
class loop;
}

namespace coronet::detail {

class wakeup {
 public:
  explicit wakeup(loop& l) noexcept;
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;
  ~wakeup();

  void notify() noexcept;
  bool waiting() const noexcept { return bool(waiter_); }

  // co_await w: returns at once if notified since the last wait.
  bool await_ready() const noexcept { return signaled_; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiter_ = h; }
  void await_resume() noexcept { signaled_ = false; }

 private:
  static void fire(io_op* op) noexcept;

  loop_impl* loop_;
  io_op op_;
  std::coroutine_handle<> waiter_;
  bool signaled_ = false;
  bool queued_ = false;
};

}  // namespace coronet::detail
