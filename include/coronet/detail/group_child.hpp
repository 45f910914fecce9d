// group_child: one child of when_all, when_any or staggered_any.
//
// Each child task runs inside a small coroutine of this type. It holds what
// the child gave back (a value or an exception) and, when the child ends,
// tells its group from its final suspension point. The group answers with the
// coroutine to run next (the parent once the group is done, another child to
// start, or nothing), so finishing a child is a symmetric transfer and a
// chain of children that complete at once runs in constant stack.
//
// All of a group's children run on the parent's loop thread, so the group's
// bookkeeping needs no atomics; only stop requests may come from elsewhere.
#pragma once

#include <coronet/task.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

namespace coronet {

// What a task<void> child stands for in when_all's tuple and when_any's result.
struct void_result {
  friend bool operator==(void_result, void_result) noexcept = default;
};

namespace detail {

template <class T>
using child_value_t = std::conditional_t<std::is_void_v<T>, void_result, T>;

class group;

// The part of a child's promise its group reads, whatever the child's type.
struct child_state {
  group* owner = nullptr;
  std::size_t index = 0;
  std::exception_ptr error;  // set when the child threw
};

// Told of every child's end; returns what to resume next.
class group {
 public:
  virtual std::coroutine_handle<> child_done(child_state& child) noexcept = 0;

 protected:
  ~group() = default;
};

// Owns one child coroutine frame (and through it the child's task).
template <class T>
class [[nodiscard]] group_child {
 public:
  struct promise_type : child_state {
    std::optional<T> value;

    group_child get_return_object() noexcept {
      return group_child{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct tell_group {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          auto& p = h.promise();
          return p.owner->child_done(p);
        }
        void await_resume() const noexcept {}
      };
      return tell_group{};
    }
    template <class U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  group_child() noexcept = default;
  explicit group_child(handle_type h) noexcept : h_(h) {}
  group_child(group_child&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  group_child& operator=(group_child&& other) noexcept {
    if (this != &other) {
      if (h_) h_.destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  ~group_child() {
    if (h_) h_.destroy();
  }

  // Makes this child number `index` of `g`; resume the handle to start it.
  std::coroutine_handle<> bind(group& g, std::size_t index) noexcept {
    h_.promise().owner = &g;
    h_.promise().index = index;
    return h_;
  }
  promise_type& promise() const noexcept { return h_.promise(); }
  // The value the child returned (only after it ended without throwing).
  T take() { return std::move(*h_.promise().value); }

 private:
  handle_type h_;
};

// A child that awaits a task.
template <class T>
group_child<child_value_t<T>> run_task(task<T> t) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(t);
    co_return void_result{};
  } else {
    co_return co_await std::move(t);
  }
}

// What a factory called with a stop_token returns: task<T>.
template <class F>
using factory_task_t = std::invoke_result_t<F&, std::stop_token>;
template <class F>
using factory_value_t = child_value_t<typename factory_task_t<F>::value_type>;

// A child that makes its task only once started, so a factory that is never
// started never runs, and one that throws counts as a child that threw.
template <class F>
group_child<factory_value_t<F>> run_factory(F& make, std::stop_token token) {
  if constexpr (std::is_void_v<typename factory_task_t<F>::value_type>) {
    co_await make(std::move(token));
    co_return void_result{};
  } else {
    co_return co_await make(std::move(token));
  }
}

// A stop_callback that passes a stop request on to another stop_source.
struct stop_forwarder {
  std::stop_source* to;
  void operator()() const noexcept { to->request_stop(); }
};

}  // namespace detail
}  // namespace coronet
