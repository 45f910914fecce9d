// spawn: start a task on a loop and let it run on its own.
//
// The task starts in the loop's next turn (so spawning before run() is fine)
// and owns itself: it is destroyed when it finishes. An exception that
// escapes it goes to the loop's exception handler, never nowhere.
//
// spawn(loop, task) runs the task's own frame detached (see task.hpp), so a
// spawned task costs one coroutine frame; spawn(loop, fn) adds one small
// frame that keeps the callable alive.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/task.hpp>

#include <concepts>
#include <coroutine>
#include <utility>

namespace coronet {

namespace detail {

void schedule(loop& l, std::coroutine_handle<> h);

// Holds the callable (and so a lambda's captures) in this frame for the
// whole life of the task it makes.
template <class F>
task<void> run_callable(F fn) {
  co_await fn();
}

}  // namespace detail

// spawn(loop, task): start an existing task.
template <class T>
void spawn(loop& l, task<T> t) {
  auto h = t.release();
  if (!h) return;  // an empty task: nothing to run
  h.promise().detach(l);
  try {
    detail::schedule(l, h);
  } catch (...) {  // out of memory: the task never runs
    h.destroy();
    throw;
  }
}

// spawn_now(loop, task): as spawn, but the task runs at once, on the calling
// (loop) thread, until it first suspends; for work whose first steps must
// happen inside the call that starts it.
template <class T>
void spawn_now(loop& l, task<T> t) {
  auto h = t.release();
  if (!h) return;
  h.promise().detach(l);
  h.resume();
}

// co_await next_turn(loop): resume in the loop's next turn, as post() would.
class next_turn {
 public:
  explicit next_turn(loop& l) noexcept : loop_(l) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { detail::schedule(loop_, h); }
  void await_resume() const noexcept {}

 private:
  loop& loop_;
};

// spawn(loop, fn): start fn() where fn returns a task. Prefer this for
// lambdas with captures: the lambda lives as long as the task.
template <class F>
requires std::invocable<F&>
void spawn(loop& l, F fn) { spawn(l, detail::run_callable(std::move(fn))); }

}  // namespace coronet
