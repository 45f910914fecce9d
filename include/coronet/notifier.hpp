// notifier: one coroutine waits, someone else wakes it in the loop's next turn.
//
// For long-lived coroutines (a socket's reader and writer) that sleep until
// there is work. notify() never resumes the waiter inline, so it is safe to
// call from inside user callbacks; it allocates nothing. A notify() with
// nobody waiting is remembered for the next wait.
#pragma once

#include <coronet/completion.hpp>

#include <coroutine>

namespace coronet {

class loop;

class notifier {
 public:
  explicit notifier(loop& l) noexcept : loop_(&l) { entry_.run = &fire; }
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;
  ~notifier();

  void notify() noexcept;
  bool waiting() const noexcept { return bool(waiter_); }

  // co_await n: returns at once if notified since the last wait.
  bool await_ready() const noexcept { return signaled_; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiter_ = h; }
  void await_resume() noexcept { signaled_ = false; }

 private:
  static void fire(completion* c) noexcept;

  loop* loop_;
  completion entry_;  // fire() finds the notifier from it (offsetof)
  std::coroutine_handle<> waiter_;
  bool signaled_ = false;
  bool queued_ = false;
};

}  // namespace coronet
