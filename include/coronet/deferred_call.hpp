// deferred_call: runs a function in the loop's next turn, allocating nothing.
//
// For work that must not run inside the caller's stack, typically emitting
// an event from inside a user callback (a socket's `close`). schedule() while
// already scheduled does nothing; the call runs once. Destroying a scheduled
// deferred_call cancels it.
#pragma once

#include <coronet/completion.hpp>

namespace coronet {

class loop;

class deferred_call {
 public:
  using fn = void (*)(void* arg) noexcept;

  deferred_call(loop& l, fn f, void* arg) noexcept : loop_(&l), fn_(f), arg_(arg) { entry_.run = &run; }
  deferred_call(const deferred_call&) = delete;
  deferred_call& operator=(const deferred_call&) = delete;
  ~deferred_call() { cancel(); }

  void schedule() noexcept;
  void cancel() noexcept;
  bool scheduled() const noexcept { return scheduled_; }

 private:
  static void run(completion* c) noexcept;

  loop* loop_;
  completion entry_;
  fn fn_;
  void* arg_;
  bool scheduled_ = false;
};

}  // namespace coronet
