#include "loop_impl.hpp"

#include <coronet/error.hpp>
#include <coronet/spawn.hpp>

#include <mutex>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace coronet {

namespace {
thread_local loop* current_loop = nullptr;

// Allowed inline completions per turn before a completion waits a turn.
constexpr int inline_completions_per_turn = 64;

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

std::string_view to_string(backend_kind k) noexcept { return k == backend_kind::uring ? "uring" : "asio"; }

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
backend_kind loop::backend() const noexcept { return impl_->io().kind(); }
std::chrono::steady_clock::time_point loop::now() const noexcept { return impl_->now(); }
void loop::set_exception_handler(std::function<void(std::exception_ptr)> h) {
  impl_->set_exception_handler(std::move(h));
}
void loop::report_exception(std::exception_ptr e) noexcept { impl_->report_exception(e); }
loop* loop::current() noexcept { return current_loop; }

void detail::schedule(loop& l, std::coroutine_handle<> h) { l.impl().schedule(h); }

namespace detail {

loop_impl::loop_impl(loop& owner, const loop_options& options)
    : owner_(owner), thread_(std::this_thread::get_id()), now_(clock::now()) {
  backend_ = make_backend(*this, options);
}

loop_impl::~loop_impl() {
  // Frames of spawned tasks that never started are ours to free.
  for (auto h : scheduled_) h.destroy();
  backend_.reset();
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

void loop_impl::post_cancel(io_op* op) noexcept {
  {
    std::lock_guard lock(inbox_mutex_);
    op->cancel_posted = true;
    cancels_.push_back(op);
    inbox_nonempty_.store(true, std::memory_order_release);
  }
  backend_->wake();
}

void loop_impl::withdraw_cancel(io_op* op) noexcept {
  std::lock_guard lock(inbox_mutex_);
  std::erase(cancels_, op);
  op->cancel_posted = false;
}

void loop_impl::run_inbox() {
  if (!inbox_nonempty_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> work;
  std::vector<io_op*> cancels;
  {
    std::lock_guard lock(inbox_mutex_);
    work.swap(inbox_);
    cancels.swap(cancels_);
    for (io_op* op : cancels) op->cancel_posted = false;
    inbox_nonempty_.store(false, std::memory_order_release);
  }
  // Every op in `cancels` is still pending: a completing op withdraws its
  // request (under the mutex) before its memory can go.
  for (io_op* op : cancels) op->on_cancel(op);
  for (auto& fn : work) {
    try {
      fn();
    } catch (...) {
      report_exception(std::current_exception());
    }
  }
}

void loop_impl::defer(io_op* op) noexcept { ready_.push(op); }

void loop_impl::cancel_deferred(io_op* op) noexcept { ready_.remove(op); }

void loop_impl::schedule(std::coroutine_handle<> h) { scheduled_.push_back(h); }

void loop_impl::run_ready() noexcept {
  // Only what was ready when the turn began: what these completions make
  // ready waits for the next turn, after I/O has been polled. Items are
  // popped from the live queue one at a time, so a completion may still take
  // a later one out (cancel_deferred).
  std::size_t n = 0;
  for (io_op* p = ready_.head; p; p = p->next) ++n;
  while (n-- > 0) {
    io_op* op = ready_.pop();
    if (!op) break;
    op->on_complete(op);
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
  ++h->refs;
  ++h->pending;
  if (h->referenced) ++refs_;
}

void loop_impl::end_op(io_handle* h) noexcept {
  --h->pending;
  if (h->referenced) --refs_;
  release(h);
}

void release_receive_buffer(loop_impl& l, std::uint32_t id) noexcept { l.io().release_receive_buffer(id); }

}  // namespace detail
}  // namespace coronet
