// when_all: await several tasks at once and get all their results.
//
//     auto [n, text] = co_await when_all(count(), fetch());   // task<int>, task<std::string>
//     std::vector<int> sizes = co_await when_all(std::move(tasks));  // std::vector<task<int>>
//
// The children start in order, each running until its first suspension; the
// parent resumes (by symmetric transfer, from the last child to finish) once
// every child has finished. A task<void> child gives a void_result. If
// children threw, the exception of the first one to throw is rethrown, still
// only after every child has finished: when_all never cancels anything, so a
// child that should stop when another fails needs a stop_token shared with it
// (or use when_any).
//
// Besides the children's own frames, when_all allocates one small frame per
// child (it catches the child's result and counts it), and the range form
// allocates its vectors. Every child runs on the parent's loop thread.
#pragma once

#include <coronet/detail/group_child.hpp>
#include <coronet/task.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <tuple>
#include <utility>
#include <vector>

namespace coronet {

// What co_await when_all(task<T>...) waits on. Lives in the awaiting frame.
template <class... T>
class [[nodiscard]] when_all_awaitable final : detail::group {
 public:
  using value_type = std::tuple<detail::child_value_t<T>...>;

  explicit when_all_awaitable(task<T>... children) : children_{detail::run_task(std::move(children))...} {}
  when_all_awaitable(const when_all_awaitable&) = delete;
  when_all_awaitable& operator=(const when_all_awaitable&) = delete;

  bool await_ready() const noexcept { return sizeof...(T) == 0; }
  bool await_suspend(std::coroutine_handle<> parent) noexcept {
    parent_ = parent;
    // One count for each child and one for this call, so a child that ends
    // while the others are still being started cannot resume the parent.
    remaining_ = sizeof...(T) + 1;
    std::apply(
        [this](auto&... child) {
          std::size_t i = 0;
          (child.bind(*this, i++).resume(), ...);
        },
        children_);
    return --remaining_ != 0;  // all done already: carry on without suspending
  }
  value_type await_resume() {
    if (first_error_) std::rethrow_exception(first_error_);
    return std::apply([](auto&... child) { return value_type{child.take()...}; }, children_);
  }

 private:
  std::coroutine_handle<> child_done(detail::child_state& child) noexcept override {
    if (child.error && !first_error_) first_error_ = child.error;
    return --remaining_ == 0 ? parent_ : std::noop_coroutine();
  }

  std::tuple<detail::group_child<detail::child_value_t<T>>...> children_;
  std::size_t remaining_ = 0;
  std::coroutine_handle<> parent_;
  std::exception_ptr first_error_;
};

// What co_await when_all(std::vector<task<T>>) waits on.
template <class T>
class [[nodiscard]] when_all_range_awaitable final : detail::group {
 public:
  using value_type = std::vector<detail::child_value_t<T>>;

  explicit when_all_range_awaitable(std::vector<task<T>> children) {
    children_.reserve(children.size());
    for (auto& t : children) children_.push_back(detail::run_task(std::move(t)));
  }
  when_all_range_awaitable(const when_all_range_awaitable&) = delete;
  when_all_range_awaitable& operator=(const when_all_range_awaitable&) = delete;

  bool await_ready() const noexcept { return children_.empty(); }
  bool await_suspend(std::coroutine_handle<> parent) noexcept {
    parent_ = parent;
    remaining_ = children_.size() + 1;  // as above: this call holds one count
    for (std::size_t i = 0; i < children_.size(); ++i) children_[i].bind(*this, i).resume();
    return --remaining_ != 0;
  }
  value_type await_resume() {
    if (first_error_) std::rethrow_exception(first_error_);
    value_type out;
    out.reserve(children_.size());
    for (auto& child : children_) out.push_back(child.take());
    return out;
  }

 private:
  std::coroutine_handle<> child_done(detail::child_state& child) noexcept override {
    if (child.error && !first_error_) first_error_ = child.error;
    return --remaining_ == 0 ? parent_ : std::noop_coroutine();
  }

  std::vector<detail::group_child<detail::child_value_t<T>>> children_;
  std::size_t remaining_ = 0;
  std::coroutine_handle<> parent_;
  std::exception_ptr first_error_;
};

// co_await when_all(a, b, ...): a std::tuple of the children's results, in
// argument order.
template <class... T>
when_all_awaitable<T...> when_all(task<T>... children) {
  return when_all_awaitable<T...>(std::move(children)...);
}

// co_await when_all(std::move(tasks)): a std::vector of the results, in the
// order of `tasks`.
template <class T>
when_all_range_awaitable<T> when_all(std::vector<task<T>> children) {
  return when_all_range_awaitable<T>(std::move(children));
}

}  // namespace coronet
