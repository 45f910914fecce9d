// loop: one event loop per thread, on io_uring or Boost.Asio.
//
// Everything coronet does happens on a loop: I/O completions, timers, spawned
// tasks. A loop belongs to the thread that runs it; other threads talk to it
// only through post() and stop(). run() returns when nothing referenced is
// left (no pending I/O on a referenced handle, no referenced timer, no posted
// or ready work), the way a Node.js process exits.
//
// Stopping and destroying a loop. stop() only makes run() return: every
// socket, timer and coroutine stays as it was, and run() may be called
// again. Destroying a loop ends everything on it, in a final drain that runs
// inside ~loop while the loop is still whole:
//   1. node:net sockets and servers (and name lookups) on it are ended
//      first: each socket is destroyed (`close` is emitted, no `error`), each
//      listening server closed (its Unix socket file removed, `close`
//      emitted), a lookup in flight completes with ECANCELED.
//   2. Every open stream_socket and listener is closed: descriptors closed,
//      connections a listener accepted but nobody took closed, and every
//      pending operation completes with ECANCELED. Every pending sleep_for
//      completes with ECANCELED; a deadline never fires.
//   3. Awaiting coroutines resume with those results, and posted functions
//      and spawned tasks run, as in any turn. What they start meets the same
//      end in the next turn of the drain: a new socket or listener is closed
//      (its pending operations complete with ECANCELED; one the system
//      answers first keeps that answer), a new sleep_for completes with
//      ECANCELED at once. A coroutine that ends on an error ends, and its
//      frame is freed.
//   4. The drain ends when nothing is ready and no operation is pending. A
//      coroutine still suspended then waits for something that is not the
//      loop's (an awaitable of your own) and is never resumed: its frame is
//      yours to free. After 1000 turns with work still coming (a coroutine
//      that retries forever) the drain says so on stderr and gives up: what
//      it did not finish is never resumed.
// After ~loop returns no code of yours runs on the loop's behalf. A
// stream_socket or listener that outlives its loop is closed and may only be
// destroyed or moved. Every other object tied to a loop (deadline,
// keep_alive, net::socket and net::server pointers) must go before it:
// declare them after the loop. Other threads must not post() to a loop that
// is being destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace coronet {

class loop;

namespace detail {
class loop_impl;
inline loop_impl& impl_of(loop& l) noexcept;  // the core's way in, defined in src/core/loop_impl.hpp
}  // namespace detail

enum class backend_kind : std::uint8_t { uring, asio };

std::string_view to_string(backend_kind) noexcept;

// Whether this build carries a backend at all, and whether it can run here
// (io_uring may be compiled in yet refused by the kernel or a seccomp filter).
bool backend_compiled(backend_kind) noexcept;
bool backend_available(backend_kind) noexcept;

struct loop_options {
  // Which backend to use. Empty: $CORONET_BACKEND ("uring" or "asio") if set,
  // else io_uring when it can be set up, else Asio (saying so once on stderr).
  std::optional<backend_kind> backend;
  // io_uring submission queue entries. A full queue is submitted early, so a
  // small one costs system calls, never operations.
  unsigned queue_depth = 512;
  // io_uring completion queue entries; 0: the kernel's default (twice
  // queue_depth). Completions beyond it wait in the kernel's overflow list;
  // a multishot request that cannot post then ends and is armed again.
  // Tests make it tiny to force those paths.
  unsigned completion_queue_depth = 0;
  // Loop-owned receive buffers for receive(): an idle connection holds none.
  unsigned receive_buffer_size = 16 * 1024;
  unsigned receive_buffer_count = 256;  // io_uring: a power of two
};

class loop {
 public:
  // Throws std::system_error when the requested backend cannot be set up.
  explicit loop(loop_options options = {});
  // Closes everything on the loop and drains it (see the top of this file).
  ~loop();
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  // Runs until nothing referenced remains or stop() is called.
  void run();
  // Runs one turn: handles what is ready, waiting for an event only when
  // something referenced is pending. Returns whether anything remains.
  bool run_once();
  // Makes run() return after the current turn. Safe from any thread.
  void stop() noexcept;
  // Runs `fn` on the loop's thread in a later turn and wakes the loop if it
  // sleeps. Safe from any thread. Posted work keeps run() going until it ran.
  void post(std::function<void()> fn);

  backend_kind backend() const noexcept;
  // The time at the start of this turn: cheap, and what timers measure from.
  std::chrono::steady_clock::time_point now() const noexcept;

  // Receives exceptions that escape detached tasks (spawn) and listeners.
  // The default prints them to stderr and carries on.
  void set_exception_handler(std::function<void(std::exception_ptr)> handler);
  void report_exception(std::exception_ptr e) noexcept;

  // The loop running on (or last created on) this thread, or null.
  static loop* current() noexcept;

  // Registers an object above the core (a node:net socket or server, a name
  // lookup) that must end itself when the loop is destroyed: `end(owner)`
  // runs on the loop thread at the start of the drain (step 1 above) if
  // `owner` still lives.
  using drain_fn = void (*)(void* owner) noexcept;
  void on_drain(std::weak_ptr<void> owner, drain_fn end);

 private:
  friend detail::loop_impl& detail::impl_of(loop& l) noexcept;

  std::unique_ptr<detail::loop_impl> impl_;
};

}  // namespace coronet
