// staggered_any: a race whose runners start one after another (RFC 8305's
// Happy Eyeballs, section 5).
//
//     auto r = co_await staggered_any(loop, 250ms, token, std::move(attempts));
//     if (r) use(r.winner->index, std::move(r.winner->value));
//     else for (auto& failed : r.failures) report(failed.ec);
//
// Each child is a factory called with a stop_token that returns a task<T>.
// Child 0 starts at once; child i+1 starts when `delay` has passed since
// child i started, or as soon as child i fails, whichever comes first. A child
// fails when `failed(value)` says so; by default when it returns a result<U>
// with an error, a std::error_code that is set, or an empty std::optional. The
// first child to succeed wins: every other child gets a stop request, no
// further child starts, and the parent resumes only after every started child
// has finished, with the winner's index and value. If every child fails, the
// parent gets all their values, in order, in `failures`.
//
// An exception ends the race the same way (the others are stopped and
// awaited) and is then rethrown; if several threw, the first. A stop request
// on `token` stops the running children and starts no more: the parent gets
// those that ran as failures, unless one of them still succeeded.
#pragma once

#include <coronet/detail/group_child.hpp>
#include <coronet/loop.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>
#include <coronet/when_any.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace coronet {

template <class T>
struct staggered_result {
  std::optional<when_any_result<T>> winner;  // the child that succeeded, if one did
  std::vector<T> failures;                   // when none did: every started child's value, in order

  explicit operator bool() const noexcept { return winner.has_value(); }
};

// The default test for a failed child.
struct child_failed {
  template <class T>
  bool operator()(const T& value) const noexcept {
    if constexpr (std::is_same_v<T, std::error_code>) {
      return bool(value);
    } else {
      return !bool(value);  // result<U> (false when ec is set), std::optional<U>
    }
  }
};

template <class F, class Failed = child_failed>
class [[nodiscard]] staggered_awaitable final : detail::group {
  using R = detail::factory_value_t<F>;

 public:
  staggered_awaitable(loop& l, std::chrono::nanoseconds delay, std::stop_token outer, std::vector<F> factories,
                      Failed failed)
      : loop_(l),
        delay_(delay),
        outer_(std::move(outer)),
        failed_(std::move(failed)),
        factories_(std::move(factories)) {
    if (factories_.empty()) throw std::invalid_argument("staggered_any of no children");
    children_.reserve(factories_.size());
    for (auto& f : factories_) children_.push_back(detail::run_factory(f, stop_.get_token()));
    if (children_.size() > 1) pacer_ = pace(*this);  // made here, where running out of memory can throw
  }
  staggered_awaitable(const staggered_awaitable&) = delete;
  staggered_awaitable& operator=(const staggered_awaitable&) = delete;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> parent) noexcept {
    parent_ = parent;
    remaining_ = 1;  // this call's count, as in when_all
    on_outer_stop_.emplace(outer_, stop_all{this});
    if (auto first = start_next()) first.resume();
    if (started_ < children_.size() && !over()) {  // someone has to start the rest on time
      ++remaining_;
      pacer_.bind(*this, pacer_index()).resume();
    }
    return --remaining_ != 0;
  }
  staggered_result<R> await_resume() {
    if (first_error_) std::rethrow_exception(first_error_);
    staggered_result<R> out;
    if (winner_ != none) {
      out.winner.emplace(when_any_result<R>{winner_, children_[winner_].take()});
    } else {
      out.failures.reserve(started_);
      for (std::size_t i = 0; i < started_; ++i) out.failures.push_back(children_[i].take());
    }
    return out;
  }

 private:
  static constexpr std::size_t none = ~std::size_t{0};

  struct stop_all {
    staggered_awaitable* self;
    void operator()() const noexcept {
      self->stop_.request_stop();
      self->pacer_stop_.request_stop();
    }
  };

  std::size_t pacer_index() const noexcept { return children_.size(); }
  bool over() const noexcept { return winner_ != none || first_error_ || stop_.stop_requested(); }

  // Counts the next child in and returns its handle to resume, or null when
  // the race is over or every child has started.
  std::coroutine_handle<> start_next() noexcept {
    if (over() || started_ == children_.size()) return nullptr;
    std::size_t i = started_++;
    ++remaining_;
    last_start_ = loop_.now();
    if (started_ == children_.size()) pacer_stop_.request_stop();  // nothing left to pace
    return children_[i].bind(*this, i);
  }

  void end_race() noexcept {
    stop_.request_stop();  // TRICKY: as in when_any, losers only queue their cancellation
    pacer_stop_.request_stop();
  }

  // Starts the next child `delay` after the last start, again and again. A
  // failure may start one earlier; the pacer then waits out the new delay.
  static detail::group_child<void_result> pace(staggered_awaitable& self) {
    while (self.started_ < self.children_.size() && !self.over()) {
      auto due = self.last_start_ + self.delay_;
      if (self.loop_.now() < due) {
        if (co_await sleep_for(self.loop_, due - self.loop_.now(), self.pacer_stop_.get_token())) break;
        continue;  // check again: a failure may have started one meanwhile
      }
      if (auto next = self.start_next()) next.resume();
    }
    co_return void_result{};
  }

  std::coroutine_handle<> child_done(detail::child_state& child) noexcept override {
    std::coroutine_handle<> next;
    if (child.index != pacer_index()) {
      if (child.error) {
        if (!first_error_) first_error_ = child.error;
        end_race();
      } else if (winner_ == none && !first_error_ && !failed_(*children_[child.index].promise().value)) {
        winner_ = child.index;
        end_race();
      } else if (child.index + 1 == started_) {
        next = start_next();  // the newest child failed: start the next at once
      }
    }
    --remaining_;  // cannot reach 0 when `next` was counted in
    if (next) return next;
    return remaining_ == 0 ? parent_ : std::noop_coroutine();
  }

  loop& loop_;
  std::chrono::nanoseconds delay_;
  std::stop_token outer_;
  Failed failed_;
  std::vector<F> factories_;
  std::stop_source stop_;        // every child's token
  std::stop_source pacer_stop_;  // wakes the pacer once nothing is left for it to start
  // After the sources: destroyed first, waiting out a callback running on another thread.
  std::optional<std::stop_callback<stop_all>> on_outer_stop_;
  std::vector<detail::group_child<R>> children_;
  detail::group_child<void_result> pacer_;
  std::size_t started_ = 0;
  std::size_t winner_ = none;
  std::size_t remaining_ = 0;
  std::exception_ptr first_error_;
  std::chrono::steady_clock::time_point last_start_{};
  std::coroutine_handle<> parent_;
};

// co_await staggered_any(loop, delay, token, std::move(factories)[, failed]):
// a staggered_result<T>; see above. Throws std::invalid_argument when
// `factories` is empty.
template <class F, class Failed = child_failed>
staggered_awaitable<F, Failed> staggered_any(loop& l, std::chrono::nanoseconds delay, std::stop_token token,
                                             std::vector<F> factories, Failed failed = {}) {
  return staggered_awaitable<F, Failed>(l, delay, std::move(token), std::move(factories), std::move(failed));
}

}  // namespace coronet
