// Timers: co_await sleep_for(d), and deadline, a resettable idle timer.
#pragma once

#include <coronet/detail/cancellable.hpp>
#include <coronet/detail/stop_link.hpp>
#include <coronet/detail/timer_node.hpp>

#include <chrono>
#include <coroutine>
#include <functional>
#include <stop_token>
#include <system_error>

namespace coronet {

class loop;

// co_await sleep_for(l, 10ms): completes after the duration with an empty
// error_code, or early with ECANCELED when `stop` is requested. Timers with
// the same expiry fire in the order they were started. A pending sleep keeps
// loop::run() going.
class sleep_awaitable {
 public:
  sleep_awaitable(loop& l, std::chrono::nanoseconds d, std::stop_token stop) noexcept;
  sleep_awaitable(const sleep_awaitable&) = delete;
  sleep_awaitable& operator=(const sleep_awaitable&) = delete;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  std::error_code await_resume() noexcept;

 private:
  // What the ready queue and the stop link hold of a sleep: it sits in the
  // queue only when it ends other than by firing (cancelled, or the loop is
  // being destroyed).
  struct record : detail::cancellable {
    int res = 0;  // 0, or -ECANCELED
    sleep_awaitable* self = nullptr;
  };

  static void fired(detail::timer_node*) noexcept;
  static void drained(detail::timer_node*) noexcept;
  static void delivered(completion*) noexcept;
  static void delivered_after_cancel(completion*) noexcept;
  static void cancel(detail::cancellable*) noexcept;
  void complete() noexcept;

  loop& loop_;
  std::chrono::nanoseconds duration_;
  detail::timer_node node_;
  record op_;
  detail::stop_link stop_;
  std::stop_token stop_token_;
  std::coroutine_handle<> waiter_;
};

inline sleep_awaitable sleep_for(loop& l, std::chrono::nanoseconds d, std::stop_token stop = {}) {
  return {l, d, std::move(stop)};
}

// deadline: calls `on_expire` on the loop thread once the time set by
// expires_after() has passed without another expires_after() or cancel().
//
// Built for idle timeouts that are pushed back on every read and write:
// expires_after() only stores a time point (no system call, no allocation);
// the heap entry is moved lazily when it pops early. Unreferenced by default
// (like Node's socket timeouts, it does not keep run() going); ref() changes
// that.
class deadline {
 public:
  deadline(loop& l, std::function<void()> on_expire);
  ~deadline();
  deadline(const deadline&) = delete;
  deadline& operator=(const deadline&) = delete;

  void expires_after(std::chrono::nanoseconds d) noexcept;
  void cancel() noexcept;
  bool armed() const noexcept { return armed_; }
  void ref() noexcept;
  void unref() noexcept;

 private:
  static void fired(detail::timer_node*) noexcept;

  loop& loop_;
  std::function<void()> on_expire_;
  detail::timer_node node_;
  detail::clock::time_point due_{};
  bool armed_ = false;
};

}  // namespace coronet
