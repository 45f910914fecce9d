// spawn: start a task on a loop and let it run on its own.
//
// The task starts in the loop's next turn (so spawning before run() is fine)
// and owns itself: it is destroyed when it finishes. An exception that
// escapes it goes to the loop's exception handler, never nowhere.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/task.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

namespace coronet {

namespace detail {

struct detached {
  struct promise_type {
    detached get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // caught below
  };
  std::coroutine_handle<promise_type> handle;
};

// Holds the callable (and so a lambda's captures) in this frame for the
// whole life of the task it makes.
template <class F>
detached run_detached(loop& l, F fn) {
  try {
    co_await fn();
  } catch (...) {
    l.report_exception(std::current_exception());
  }
}

void schedule(loop& l, std::coroutine_handle<> h);

}  // namespace detail

// spawn(loop, task): start an existing task.
template <class T>
void spawn(loop& l, task<T> t) {
  auto d = detail::run_detached(l, [t = std::move(t)]() mutable { return std::move(t); });
  detail::schedule(l, d.handle);
}

// spawn(loop, fn): start fn() where fn returns a task. Prefer this for
// lambdas with captures: the lambda lives as long as the task.
template <class F>
  requires std::invocable<F&>
void spawn(loop& l, F fn) {
  auto d = detail::run_detached(l, std::move(fn));
  detail::schedule(l, d.handle);
}

}  // namespace coronet
