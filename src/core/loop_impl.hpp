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
  // The final drain when the loop is destroyed (the rule is in loop.hpp).
  void drain() noexcept;
  bool draining() const noexcept { return draining_; }
  // Registers something above the core (a node:net socket or server, a name
  // lookup) that must end itself when the loop is destroyed: `end(owner)`
  // runs on the loop thread at the start of the drain if `owner` still lives.
  using drain_fn = loop::drain_fn;
  void on_drain(std::weak_ptr<void> owner, drain_fn end);
  void post(std::function<void()> fn);
  void report_exception(std::exception_ptr e) noexcept;
  void set_exception_handler(std::function<void(std::exception_ptr)> h) { on_exception_ = std::move(h); }

  clock::time_point now() const noexcept { return now_; }
  // Backends call it when a wait for events returns, before running what
  // completed: code those completions resume arms timers from now(), and
  // the time from before the wait would make them fire early.
  void refresh_now() noexcept { now_ = clock::now(); }
  bool on_loop_thread() const noexcept { return std::this_thread::get_id() == thread_; }

  // Reference count: what keeps run() going.
  void add_ref(int n = 1) noexcept { refs_ += n; }
  void drop_ref(int n = 1) noexcept { refs_ -= n; }
  long refs() const noexcept { return refs_; }

  // Runs `c` in the next turn.
  void defer(completion* c) noexcept { ready_.push(c); }
  // Completes `op` (calls on_complete) in the next turn.
  void defer(io_op* op) noexcept;
  // Takes a deferred entry back out of the ready queue (its owner is going away).
  void cancel_deferred(completion* c) noexcept { ready_.remove(c); }
  // Resumes a coroutine in the next turn (spawn).
  void schedule(std::coroutine_handle<> h);
  // Inline completions are allowed a few times per turn so one busy
  // connection cannot starve the others.
  bool take_inline_budget() noexcept { return inline_budget_ > 0 ? (--inline_budget_, true) : false; }

  // Cross-thread cancellation, see stop_link.
  void post_cancel(cancellable* op) noexcept;
  void withdraw_cancel(cancellable* op) noexcept;

  // Timers.
  void timer_add(timer_node* t) noexcept;
  void timer_remove(timer_node* t) noexcept;
  void timer_set_ref(timer_node* t, bool referenced) noexcept;

  // Handles.
  void release(io_handle* h) noexcept;       // drops one reference
  void close_handle(io_handle* h) noexcept;  // closes and drops the owner's reference
  void set_handle_ref(io_handle* h, bool referenced) noexcept;
  void begin_op(io_handle* h) noexcept;
  void end_op(io_handle* h) noexcept;
  // Out of descriptors (EMFILE/ENFILE) on listener `fd`: closes the spare
  // descriptor, accepts and closes every waiting connection with the freed
  // slot, and takes the spare again (libuv's trick), so the backlog cannot
  // keep the listener failing in a loop. Returns how many were dropped.
  int shed_waiting_connections(int fd) noexcept;
  // Makes sure the spare exists (listeners call it when they open).
  void reserve_spare_fd() noexcept;
  void link_handle(io_handle* h) noexcept;
  void unlink_handle(io_handle* h) noexcept;

 private:
  void run_inbox();
  void run_ready() noexcept;
  void fire_timers() noexcept;
  bool alive() const noexcept;
  void heap_up(std::size_t i) noexcept;
  void heap_down(std::size_t i) noexcept;
  void heap_swap(std::size_t a, std::size_t b) noexcept;
  bool drain_turn() noexcept;
  void close_live_handles() noexcept;
  void cancel_timers() noexcept;
  void run_drain_hooks() noexcept;
  void orphan_live_handles() noexcept;

  loop& owner_;
  std::unique_ptr<backend> backend_;
  std::thread::id thread_;
  clock::time_point now_;
  long refs_ = 0;
  int inline_budget_ = 0;
  long pending_ops_ = 0;  // every pending op, referenced or not
  int spare_fd_ = -1;     // see shed_waiting_connections
  bool draining_ = false;
  io_handle* live_ = nullptr;  // every handle not yet deleted
  struct drain_entry {
    std::weak_ptr<void> owner;
    drain_fn end;
  };
  std::vector<drain_entry> drain_hooks_;
  std::size_t drain_hooks_compact_at_ = 64;

  completion_fifo ready_;  // what runs in the next turn
  std::vector<std::coroutine_handle<>> scheduled_;
  std::vector<timer_node*> heap_;
  std::uint64_t timer_seq_ = 0;

  std::mutex inbox_mutex_;
  std::vector<std::function<void()>> inbox_;
  std::vector<cancellable*> cancels_;
  std::atomic<bool> inbox_nonempty_{false};
  std::atomic<bool> stop_{false};

  std::function<void(std::exception_ptr)> on_exception_;
};

// The loop's state, for the core and the backends (loop::impl_ is private).
inline loop_impl& impl_of(loop& l) noexcept { return *l.impl_; }

// Null-safe for handles orphaned by a destroyed loop: closing one deletes it.
void close_handle(io_handle* h) noexcept;
void set_handle_ref(io_handle* h, bool referenced) noexcept;

}  // namespace coronet::detail
