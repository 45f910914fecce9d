// loop_impl: the loop's state: the backend, the ready queue, the timer heap,
// the reference count and the cross-thread inbox.
#pragma once

#include "backend.hpp"
#include "op_fifo.hpp"

#include <coronet/detail/io_op.hpp>
#include <coronet/detail/timer_node.hpp>
#include <coronet/loop.hpp>

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace coronet::detail {

class loop_impl {
 public:
  loop_impl(loop& owner, const loop_options& options);
  ~loop_impl();

  loop& owner() noexcept { return owner_; }
  backend& io() noexcept { return *backend_; }

  bool run_once();
  void run();
  void stop() noexcept;
  void post(std::function<void()> fn);
  void report_exception(std::exception_ptr e) noexcept;
  void set_exception_handler(std::function<void(std::exception_ptr)> h) { on_exception_ = std::move(h); }

  clock::time_point now() const noexcept { return now_; }
  bool on_loop_thread() const noexcept { return std::this_thread::get_id() == thread_; }

  // Reference count: what keeps run() going.
  void add_ref(int n = 1) noexcept { refs_ += n; }
  void drop_ref(int n = 1) noexcept { refs_ -= n; }
  long refs() const noexcept { return refs_; }

  // Completes `op` (calls on_complete) in the next turn.
  void defer(io_op* op) noexcept;
  // Takes a deferred op back out of the ready queue (its owner is going away).
  void cancel_deferred(io_op* op) noexcept;
  // Resumes a coroutine in the next turn (spawn).
  void schedule(std::coroutine_handle<> h);
  // Inline completions are allowed a few times per turn so one busy
  // connection cannot starve the others.
  bool take_inline_budget() noexcept { return inline_budget_ > 0 ? (--inline_budget_, true) : false; }

  // Cross-thread cancellation, see stop_link.
  void post_cancel(io_op* op) noexcept;
  void withdraw_cancel(io_op* op) noexcept;

  // Timers.
  void timer_add(timer_node* t) noexcept;
  void timer_remove(timer_node* t) noexcept;
  void timer_set_ref(timer_node* t, bool referenced) noexcept;

  // Handles.
  void release(io_handle* h) noexcept;  // drops one reference
  void close_handle(io_handle* h) noexcept;  // closes and drops the owner's reference
  void set_handle_ref(io_handle* h, bool referenced) noexcept;
  void begin_op(io_handle* h) noexcept;
  void end_op(io_handle* h) noexcept;

 private:
  void run_inbox();
  void run_ready() noexcept;
  void fire_timers() noexcept;
  bool alive() const noexcept;
  void heap_up(std::size_t i) noexcept;
  void heap_down(std::size_t i) noexcept;
  void heap_swap(std::size_t a, std::size_t b) noexcept;

  loop& owner_;
  std::unique_ptr<backend> backend_;
  std::thread::id thread_;
  clock::time_point now_;
  long refs_ = 0;
  int inline_budget_ = 0;

  op_fifo ready_;  // completions to deliver in the next turn
  std::vector<std::coroutine_handle<>> scheduled_;
  std::vector<timer_node*> heap_;
  std::uint64_t timer_seq_ = 0;

  std::mutex inbox_mutex_;
  std::vector<std::function<void()>> inbox_;
  std::vector<io_op*> cancels_;
  std::atomic<bool> inbox_nonempty_{false};
  std::atomic<bool> stop_{false};

  std::function<void(std::exception_ptr)> on_exception_;
};

inline loop_impl& impl_of(loop& l) noexcept { return l.impl(); }

}  // namespace coronet::detail
