#include "loop_impl.hpp"
#include "posix_compat.hpp"

#include <coronet/error.hpp>
#include <coronet/spawn.hpp>

#include <algorithm>
#include <mutex>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string>
#include <system_error>

namespace coronet {

namespace {
thread_local loop* current_loop = nullptr;

// Allowed inline completions per turn before a completion waits a turn.
constexpr int inline_completions_per_turn = 64;
// The final drain gives up after this many turns (a coroutine that retries
// forever); each turn waits at most drain_poll for the kernel.
constexpr int max_drain_turns = 1000;
constexpr std::chrono::milliseconds drain_poll{10};

std::optional<backend_kind> backend_from_env() {
  const char* v = std::getenv("CORONET_BACKEND");
  if (!v || !*v) return std::nullopt;
  std::string_view s(v);
  if (s == "uring" || s == "io_uring") return backend_kind::uring;
  if (s == "asio") return backend_kind::asio;
  throw std::invalid_argument("CORONET_BACKEND must be 'uring' or 'asio', not '" + std::string(s) + "'");
}

std::unique_ptr<detail::backend> make_backend(detail::loop_impl& l, const loop_options& o) {
  auto wanted = o.backend ? o.backend : backend_from_env();
  if (wanted) {
    if (!backend_compiled(*wanted))
      throw std::system_error(errno_code(ENOSYS), std::string("coronet was built without the ") +
                                                      std::string(to_string(*wanted)) + " backend");
#if CORONET_HAVE_URING
    if (*wanted == backend_kind::uring) return detail::make_uring_backend(l, o);
#endif
#if CORONET_HAVE_ASIO
    if (*wanted == backend_kind::asio) return detail::make_asio_backend(l, o);
#endif
  }
#if CORONET_HAVE_URING
  try {
    return detail::make_uring_backend(l, o);
  } catch (const std::system_error& e) {
    if (!backend_compiled(backend_kind::asio)) throw;
    static std::once_flag said;
    std::call_once(said, [&] {
      std::fprintf(stderr, "coronet: io_uring unavailable (%s); using the Boost.Asio backend\n",
                   detail::uring_failure_reason(e).c_str());
    });
  }
#endif
#if CORONET_HAVE_ASIO
  return detail::make_asio_backend(l, o);
#else
  throw std::system_error(errno_code(ENOSYS), "no backend");
#endif
}
}  // namespace

bool backend_compiled(backend_kind k) noexcept {
#if CORONET_HAVE_URING
  if (k == backend_kind::uring) return true;
#endif
#if CORONET_HAVE_ASIO
  if (k == backend_kind::asio) return true;
#endif
  (void)k;
  return false;
}

bool backend_available(backend_kind k) noexcept {
  if (!backend_compiled(k)) return false;
#if CORONET_HAVE_URING
  if (k == backend_kind::uring) return detail::uring_supported();
#endif
  return true;
}

loop::loop(loop_options options) {
  impl_ = std::make_unique<detail::loop_impl>(*this, options);
  current_loop = this;
}

loop::~loop() {
  // The drain runs while the loop is whole: code it resumes may still use
  // this loop (post, spawn, close a socket).
  current_loop = this;
  impl_->drain();
  impl_.reset();
  if (current_loop == this) current_loop = nullptr;
}

void loop::run() {
  current_loop = this;
  impl_->run();
}
bool loop::run_once() {
  current_loop = this;
  return impl_->run_once();
}
void loop::stop() noexcept { impl_->stop(); }
void loop::post(std::function<void()> fn) { impl_->post(std::move(fn)); }
void loop::on_drain(std::weak_ptr<void> owner, drain_fn end) { impl_->on_drain(std::move(owner), end); }
backend_kind loop::backend() const noexcept { return impl_->io().kind(); }
std::chrono::steady_clock::time_point loop::now() const noexcept { return impl_->now(); }
void loop::set_exception_handler(std::function<void(std::exception_ptr)> h) {
  impl_->set_exception_handler(std::move(h));
}
void loop::report_exception(std::exception_ptr e) noexcept { impl_->report_exception(e); }
loop* loop::current() noexcept { return current_loop; }

void detail::schedule(loop& l, std::coroutine_handle<> h) { detail::impl_of(l).schedule(h); }

namespace detail {

loop_impl::loop_impl(loop& owner, const loop_options& options)
    : owner_(owner), thread_(std::this_thread::get_id()), now_(clock::now()) {
  backend_ = make_backend(*this, options);
}

loop_impl::~loop_impl() {
  // Frames of spawned tasks that never started (the drain gave up) are ours
  // to free; their destructors may still close sockets.
  for (auto h : scheduled_) h.destroy();
  scheduled_.clear();
  close_live_handles();
  backend_.reset();
  orphan_live_handles();
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

// ---- out of descriptors ----------------------------------------------------

void loop_impl::reserve_spare_fd() noexcept {
  if (spare_fd_ < 0) spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int loop_impl::shed_waiting_connections(int fd) noexcept {
  reserve_spare_fd();  // lost to another thread last time? try again
  if (spare_fd_ < 0) return 0;
  ::close(std::exchange(spare_fd_, -1));
  // Bounded, so a flood cannot hold the loop here.
  constexpr int max_shed = 1024;
  int dropped = 0;
  while (dropped < max_shed) {
    int c = detail::accept_nonblocking(fd);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN: the backlog is empty; EMFILE: another thread took the slot
    }
    ::close(c);
    ++dropped;
  }
  // TRICKY: another thread may take the slot first; the spare is then
  // retaken at the next shed.
  reserve_spare_fd();
  return dropped;
}

// ---- teardown (the rule is in loop.hpp) ------------------------------------

void loop_impl::drain() noexcept {
  draining_ = true;
  thread_ = std::this_thread::get_id();
  stop_.store(false, std::memory_order_relaxed);
  for (int turn = 0; drain_turn(); ++turn) {
    if (turn == max_drain_turns) {
      std::fprintf(stderr, "coronet: a loop was destroyed while work kept arriving; the rest is abandoned\n");
      return;
    }
  }
}

bool loop_impl::drain_turn() noexcept {
  run_drain_hooks();
  close_live_handles();
  cancel_timers();
  auto ready_work = [this] {
    return !ready_.empty() || !scheduled_.empty() || inbox_nonempty_.load(std::memory_order_acquire);
  };
  if (!ready_work() && pending_ops_ == 0) return false;
  inline_budget_ = inline_completions_per_turn;
  now_ = clock::now();
  try {
    run_inbox();
  } catch (...) {
    report_exception(std::current_exception());  // out of memory: the rest of the inbox waits
  }
  run_ready();
  try {
    // Only cancellations are in flight: wait for the kernel to return them.
    backend_->poll(ready_work() ? std::chrono::nanoseconds::zero() : drain_poll);
  } catch (...) {
    report_exception(std::current_exception());
  }
  return true;
}

void loop_impl::run_drain_hooks() noexcept {
  auto hooks = std::move(drain_hooks_);
  drain_hooks_.clear();
  for (auto& e : hooks)
    if (auto owner = e.owner.lock()) e.end(owner.get());
}

void loop_impl::on_drain(std::weak_ptr<void> owner, drain_fn end) {
  if (drain_hooks_.size() >= drain_hooks_compact_at_) {
    // Amortised: dead entries are swept whenever the list doubles.
    std::erase_if(drain_hooks_, [](const drain_entry& e) { return e.owner.expired(); });
    drain_hooks_compact_at_ = std::max<std::size_t>(64, 2 * drain_hooks_.size());
  }
  drain_hooks_.push_back({std::move(owner), end});
}

void loop_impl::close_live_handles() noexcept {
  // TRICKY: closing one handle may release (and delete) another (an io_uring
  // connection waiting for a receive buffer), so hold each while closing.
  std::vector<io_handle*> open;
  for (io_handle* h = live_; h; h = h->live_next)
    if (!h->closed) open.push_back(h);
  for (io_handle* h : open) ++h->refs;
  for (io_handle* h : open) {
    h->closed = true;  // the owner's close() later only drops its reference
    backend_->close(h);
  }
  for (io_handle* h : open) release(h);
}

void loop_impl::cancel_timers() noexcept {
  while (!heap_.empty()) {
    timer_node* t = heap_.back();
    timer_remove(t);
    if (t->on_drain) t->on_drain(t);  // sleep_for: ECANCELED; deadlines never fire
  }
}

void loop_impl::orphan_live_handles() noexcept {
  while (io_handle* h = live_) {
    unlink_handle(h);
    h->loop = nullptr;
  }
}

void loop_impl::link_handle(io_handle* h) noexcept {
  h->live_next = live_;
  if (live_) live_->live_prev = h;
  live_ = h;
}

void loop_impl::unlink_handle(io_handle* h) noexcept {
  if (h->live_prev)
    h->live_prev->live_next = h->live_next;
  else
    live_ = h->live_next;
  if (h->live_next) h->live_next->live_prev = h->live_prev;
  h->live_prev = h->live_next = nullptr;
}

io_handle::io_handle(loop_impl& l, int descriptor) noexcept : loop(&l), fd(descriptor) { l.link_handle(this); }

io_handle::~io_handle() {
  if (loop) loop->unlink_handle(this);
}

void close_handle(io_handle* h) noexcept {
  if (h->loop) {
    h->loop->close_handle(h);
  } else if (--h->refs == 0) {
    delete h;  // orphaned: the drain closed it, nothing else holds it
  }
}

void set_handle_ref(io_handle* h, bool referenced) noexcept {
  if (h->loop) h->loop->set_handle_ref(h, referenced);
}

void loop_impl::run() {
  thread_ = std::this_thread::get_id();
  while (!stop_.load(std::memory_order_relaxed) && run_once()) {
  }
  stop_.store(false, std::memory_order_relaxed);
}

bool loop_impl::alive() const noexcept {
  return refs_ > 0 || !ready_.empty() || !scheduled_.empty() || inbox_nonempty_.load(std::memory_order_acquire);
}

bool loop_impl::run_once() {
  thread_ = std::this_thread::get_id();
  inline_budget_ = inline_completions_per_turn;
  now_ = clock::now();
  run_inbox();
  run_ready();
  if (stop_.load(std::memory_order_relaxed)) return alive();

  std::optional<std::chrono::nanoseconds> timeout;  // none: sleep until an event
  if (!ready_.empty() || !scheduled_.empty() || inbox_nonempty_.load(std::memory_order_acquire) || refs_ <= 0) {
    timeout = std::chrono::nanoseconds::zero();
  } else if (!heap_.empty()) {
    timeout = std::max(heap_.front()->expiry - clock::now(), clock::duration::zero());
  }
  backend_->poll(timeout);
  now_ = clock::now();
  fire_timers();
  return alive();
}

void loop_impl::stop() noexcept {
  stop_.store(true, std::memory_order_relaxed);
  backend_->wake();
}

void loop_impl::post(std::function<void()> fn) {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back(std::move(fn));
    inbox_nonempty_.store(true, std::memory_order_release);
  }
  backend_->wake();
}

void loop_impl::post_cancel(cancellable* op) noexcept {
  {
    std::lock_guard lock(inbox_mutex_);
    op->cancel_posted = true;
    cancels_.push_back(op);
    inbox_nonempty_.store(true, std::memory_order_release);
  }
  backend_->wake();
}

void loop_impl::withdraw_cancel(cancellable* op) noexcept {
  std::lock_guard lock(inbox_mutex_);
  std::erase(cancels_, op);
  op->cancel_posted = false;
}

void loop_impl::run_inbox() {
  if (!inbox_nonempty_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> work;
  std::vector<cancellable*> cancels;
  {
    std::lock_guard lock(inbox_mutex_);
    work.swap(inbox_);
    cancels.swap(cancels_);
    for (cancellable* op : cancels) op->cancel_posted = false;
    inbox_nonempty_.store(false, std::memory_order_release);
  }
  // Every op in `cancels` is still pending: a completing op withdraws its
  // request (under the mutex) before its memory can go.
  for (cancellable* op : cancels) op->on_cancel(op);
  for (auto& fn : work) {
    try {
      fn();
    } catch (...) {
      report_exception(std::current_exception());
    }
  }
}

void loop_impl::defer(io_op* op) noexcept {
  op->run = [](completion* c) noexcept {
    auto* done = static_cast<io_op*>(c);
    done->on_complete(done);
  };
  ready_.push(op);
}

void loop_impl::schedule(std::coroutine_handle<> h) { scheduled_.push_back(h); }

void loop_impl::run_ready() noexcept {
  // Only what was ready when the turn began: what these completions make
  // ready waits for the next turn, after I/O has been polled. Items are
  // popped from the live queue one at a time, so a completion may still take
  // a later one out (cancel_deferred).
  std::size_t n = 0;
  for (completion* c = ready_.head; c; c = c->next) ++n;
  while (n-- > 0) {
    completion* c = ready_.pop();
    if (!c) break;
    c->run(c);
  }
  if (!scheduled_.empty()) {
    auto starting = std::move(scheduled_);
    scheduled_.clear();
    for (auto h : starting) h.resume();
  }
}

void loop_impl::report_exception(std::exception_ptr e) noexcept {
  if (on_exception_) {
    try {
      on_exception_(e);
      return;
    } catch (...) {
      e = std::current_exception();
    }
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "coronet: unhandled exception in a detached task: %s\n", ex.what());
  } catch (...) {
    std::fprintf(stderr, "coronet: unhandled non-standard exception in a detached task\n");
  }
}

// ---- handles -------------------------------------------------------------

void loop_impl::release(io_handle* h) noexcept {
  if (--h->refs == 0) delete h;
}

void loop_impl::close_handle(io_handle* h) noexcept {
  if (!h->closed) {
    h->closed = true;
    backend_->close(h);
  }
  release(h);
}

void loop_impl::set_handle_ref(io_handle* h, bool referenced) noexcept {
  if (h->referenced == referenced) return;
  h->referenced = referenced;
  if (referenced) {
    add_ref(static_cast<int>(h->pending));
  } else {
    drop_ref(static_cast<int>(h->pending));
  }
}

void loop_impl::begin_op(io_handle* h) noexcept {
  ++pending_ops_;
  ++h->refs;
  ++h->pending;
  if (h->referenced) ++refs_;
}

void loop_impl::end_op(io_handle* h) noexcept {
  --pending_ops_;
  --h->pending;
  if (h->referenced) --refs_;
  release(h);
}

void release_receive_buffer(loop_impl& l, std::uint32_t id) noexcept { l.io().release_receive_buffer(id); }

}  // namespace detail
}  // namespace coronet
