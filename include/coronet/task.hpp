// task<T>: a lazily started coroutine that resumes its awaiter when it ends.
//
// A task does nothing until it is co_awaited (or handed to spawn()). When it
// finishes, its final awaiter transfers control straight to the awaiting
// coroutine (symmetric transfer), so a million tasks that complete without
// suspending run in constant stack. An exception thrown inside the task is
// rethrown from the co_await that awaited it.
//
// spawn() runs a task detached instead: the frame then destroys itself when
// the task ends, and an exception that escapes goes to the loop's exception
// handler. No second frame wraps it, so a detached task costs one frame.
#pragma once

#include <coronet/loop.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace coronet {

template <class T = void>
class task;

namespace detail {

class task_promise_base {
 public:
  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      auto& p = h.promise();
      if (loop* l = p.detached_) {
        // Nobody awaits a detached task: its frame is ours to free, and an
        // exception has nowhere to go but the loop.
        std::exception_ptr e = p.escaped();
        h.destroy();
        if (e) l->report_exception(std::move(e));
        return std::noop_coroutine();
      }
      return p.continuation_ ? p.continuation_ : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  final_awaiter final_suspend() noexcept { return {}; }
  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }
  // spawn(): nobody will await this task; it ends itself on loop `l`.
  void detach(loop& l) noexcept { detached_ = &l; }

 private:
  std::coroutine_handle<> continuation_;
  loop* detached_ = nullptr;
};

template <class T>
class task_promise : public task_promise_base {
 public:
  task<T> get_return_object() noexcept;
  void return_value(T&& v) { result_.template emplace<1>(std::move(v)); }
  void return_value(const T& v) requires std::copy_constructible<T> { result_.template emplace<1>(v); }
  // Converts anything else T can be made from (co_return 1 for task<long>).
  template <class U>
  requires(!std::same_as<std::remove_cvref_t<U>, T> && std::constructible_from<T, U>) void return_value(U&& v) {
    result_.template emplace<1>(std::forward<U>(v));
  }
  void unhandled_exception() noexcept { result_.template emplace<2>(std::current_exception()); }
  std::exception_ptr escaped() noexcept {
    return result_.index() == 2 ? std::move(std::get<2>(result_)) : std::exception_ptr{};
  }
  T take() {
    if (result_.index() == 2) std::rethrow_exception(std::get<2>(result_));
    return std::move(std::get<1>(result_));
  }

 private:
  std::variant<std::monostate, T, std::exception_ptr> result_;
};

template <>
class task_promise<void> : public task_promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void unhandled_exception() noexcept { error_ = std::current_exception(); }
  std::exception_ptr escaped() noexcept { return std::move(error_); }
  void take() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (h_) h_.destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (h_) h_.destroy();
  }

  bool valid() const noexcept { return bool(h_); }

  auto operator co_await() && noexcept {
    struct awaiter {
      handle_type h;
      bool await_ready() const noexcept { return !h || h.done(); }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h.promise().set_continuation(awaiting);
        return h;
      }
      T await_resume() { return h.promise().take(); }
    };
    return awaiter{h_};
  }

  // For spawn(): gives up ownership of the coroutine frame (see detach()).
  handle_type release() noexcept { return std::exchange(h_, {}); }

 private:
  handle_type h_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace coronet
