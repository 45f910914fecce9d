// when_any: race several tasks; the first to finish wins, the rest are stopped.
//
//     auto [index, value] = co_await when_any(token,
//         [&](std::stop_token t) -> task<int> { ... co_await sleep_for(l, 1s, t); ... },
//         [&](std::stop_token t) -> task<int> { ... });
//
// Each child is a factory called with a stop_token that returns a task<T>
// (the same T for every child). They start in order, each running until its
// first suspension; once one has finished, the ones not yet started never
// are. The first to finish wins: every other child gets a stop request (its
// token fires, so coronet's I/O awaitables complete with ECANCELED), and the
// parent resumes only after *every* started child has finished, so no child
// frame outlives the co_await (a child that ignores its token holds the
// parent until it ends). The parent gets the winner's index and value.
// An exception counts as the child's completion: rethrown if that child won,
// dropped if it lost. A stop request on `token` stops every child; the first
// of them to finish still wins (typically with its ECANCELED result).
//
// The factories (and what they capture) live until the co_await ends. Besides
// the children's frames, when_any allocates one small frame per child and
// one stop state; the range form also its vectors.
#pragma once

#include <coronet/detail/group_child.hpp>
#include <coronet/task.hpp>

#include <array>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace coronet {

template <class T>
struct when_any_result {
  std::size_t index;  // which child finished first
  T value;            // what it returned (void_result for task<void>)
};

namespace detail {

// The race itself, over children the derived class stores.
template <class R>
class any_group : group {
 public:
  explicit any_group(std::stop_token outer) noexcept : outer_(std::move(outer)) {}
  any_group(const any_group&) = delete;
  any_group& operator=(const any_group&) = delete;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> parent) noexcept {
    parent_ = parent;
    remaining_ = 1;  // this call's count: no child can resume the parent while we start them
    // Runs at once (stopping every child before it starts) if stop was already requested.
    on_outer_stop_.emplace(outer_, stop_forwarder{&stop_});
    for (std::size_t i = 0; i < count_ && winner_ == none; ++i) {
      ++remaining_;
      children_[i].bind(*this, i).resume();
    }
    return --remaining_ != 0;
  }
  when_any_result<R> await_resume() {
    auto& w = children_[winner_].promise();
    if (w.error) std::rethrow_exception(w.error);
    return {winner_, std::move(*w.value)};
  }

 protected:
  ~any_group() = default;
  // The derived class hands over its children once they exist.
  void set_children(group_child<R>* children, std::size_t count) noexcept {
    children_ = children;
    count_ = count;
  }
  std::stop_token child_token() const noexcept { return stop_.get_token(); }

 private:
  static constexpr std::size_t none = ~std::size_t{0};

  std::coroutine_handle<> child_done(child_state& child) noexcept override {
    if (winner_ == none) {
      winner_ = child.index;
      // TRICKY: this runs the losers' stop callbacks right here, inside the
      // winner's final suspension. coronet's awaitables only queue their
      // cancellation (the loser resumes in a later loop step), and a loser
      // that did end inside this call finds winner_ set and the parent still
      // counted by this call's --remaining_ below.
      stop_.request_stop();
    }
    return --remaining_ == 0 ? parent_ : std::noop_coroutine();
  }

  std::stop_token outer_;
  std::stop_source stop_;  // every child's token
  // Declared after stop_: destroyed first, waiting out a callback running on another thread.
  std::optional<std::stop_callback<stop_forwarder>> on_outer_stop_;
  group_child<R>* children_ = nullptr;
  std::size_t count_ = 0;
  std::size_t winner_ = none;
  std::size_t remaining_ = 0;
  std::coroutine_handle<> parent_;
};

template <class F>
using any_value_t = factory_value_t<std::decay_t<F>>;

}  // namespace detail

// What co_await when_any(token, factories...) waits on.
template <class R, class... F>
class [[nodiscard]] when_any_awaitable final : public detail::any_group<R> {
 public:
  explicit when_any_awaitable(std::stop_token outer, F... factories)
      : detail::any_group<R>(std::move(outer)), factories_(std::move(factories)...) {
    // The child frames are made now but call their factory only when started.
    std::apply(
        [this](auto&... f) {
          std::size_t i = 0;
          ((children_[i++] = detail::run_factory(f, this->child_token())), ...);
        },
        factories_);
    this->set_children(children_.data(), children_.size());
  }

 private:
  std::tuple<F...> factories_;
  std::array<detail::group_child<R>, sizeof...(F)> children_;
};

// What co_await when_any(token, std::vector<factory>) waits on.
template <class F>
class [[nodiscard]] when_any_range_awaitable final : public detail::any_group<detail::factory_value_t<F>> {
  using R = detail::factory_value_t<F>;

 public:
  when_any_range_awaitable(std::stop_token outer, std::vector<F> factories)
      : detail::any_group<R>(std::move(outer)), factories_(std::move(factories)) {
    if (factories_.empty()) throw std::invalid_argument("when_any of no children");
    children_.reserve(factories_.size());
    for (auto& f : factories_) children_.push_back(detail::run_factory(f, this->child_token()));
    this->set_children(children_.data(), children_.size());
  }

 private:
  std::vector<F> factories_;
  std::vector<detail::group_child<R>> children_;
};

// co_await when_any(token, f0, f1, ...): a when_any_result<T> with the index
// of the child that finished first and its value. Each fi(std::stop_token)
// returns a task<T>, the same T for all.
template <class F0, class... F>
requires(std::is_same_v<detail::any_value_t<F0>, detail::any_value_t<F>>&&...)
    when_any_awaitable<detail::any_value_t<F0>, std::decay_t<F0>, std::decay_t<F>...> when_any(std::stop_token token,
                                                                                               F0&& first,
                                                                                               F&&... rest) {
  return when_any_awaitable<detail::any_value_t<F0>, std::decay_t<F0>, std::decay_t<F>...>(
      std::move(token), std::forward<F0>(first), std::forward<F>(rest)...);
}

// co_await when_any(token, std::move(factories)): the same over a vector of
// factories of one type (a lambda, or std::function<task<T>(std::stop_token)>).
// Throws std::invalid_argument when the vector is empty.
template <class F>
when_any_range_awaitable<F> when_any(std::stop_token token, std::vector<F> factories) {
  return when_any_range_awaitable<F>(std::move(token), std::move(factories));
}

}  // namespace coronet
