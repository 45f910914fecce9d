#include <coronet/error.hpp>
#include <coronet/timer.hpp>

#include "loop_impl.hpp"

#include <cerrno>

namespace coronet {

// ---- sleep_for -----------------------------------------------------------

sleep_awaitable::sleep_awaitable(loop& l, std::chrono::nanoseconds d, std::stop_token stop) noexcept
    : loop_(l), duration_(d) {
  node_.fire = &fired;
  node_.on_drain = &drained;
  node_.owner = this;
  op_.self = this;
  op_.run = &delivered;
  op_.on_cancel = &cancel;
  // The token is only needed at suspension; keep it in the link's attach call.
  stop_token_ = std::move(stop);
}

bool sleep_awaitable::await_suspend(std::coroutine_handle<> h) noexcept {
  auto& impl = detail::impl_of(loop_);
  if (stop_token_.stop_requested()) {
    op_.res = -ECANCELED;
    return false;
  }
  waiter_ = h;
  if (impl.draining()) {  // the loop is being destroyed: no new waits
    op_.res = -ECANCELED;
    impl.defer(&op_);
    return true;
  }
  node_.expiry = impl.now() + std::max(duration_, std::chrono::nanoseconds::zero());
  impl.timer_add(&node_);
  stop_.attach(impl, op_, stop_token_);
  return true;
}

std::error_code sleep_awaitable::await_resume() noexcept {
  return op_.res < 0 ? errno_code(-op_.res) : std::error_code{};
}

void sleep_awaitable::fired(detail::timer_node* node) noexcept {
  auto* self = static_cast<sleep_awaitable*>(node->owner);
  self->op_.res = 0;
  self->complete();
}

void sleep_awaitable::drained(detail::timer_node* node) noexcept {
  // Out of the heap already; the waiter resumes in the drain's next turn.
  auto* self = static_cast<sleep_awaitable*>(node->owner);
  self->op_.res = -ECANCELED;
  detail::impl_of(self->loop_).defer(&self->op_);
}

void sleep_awaitable::delivered(completion* c) noexcept { static_cast<record*>(c)->self->complete(); }

void sleep_awaitable::delivered_after_cancel(completion* c) noexcept {
  auto* self = static_cast<record*>(c)->self;
  detail::impl_of(self->loop_).drop_ref();
  self->complete();
}

void sleep_awaitable::complete() noexcept {
  stop_.detach();
  waiter_.resume();
}

void sleep_awaitable::cancel(detail::cancellable* c) noexcept {
  auto* self = static_cast<record*>(c)->self;
  if (self->node_.heap_index == detail::timer_node::not_queued) return;  // already fired
  auto& impl = detail::impl_of(self->loop_);
  impl.timer_remove(&self->node_);
  // Keep run() going until the cancelled sleeper has resumed.
  impl.add_ref();
  self->op_.run = &delivered_after_cancel;
  self->op_.res = -ECANCELED;
  impl.defer(&self->op_);
}

// ---- deadline ------------------------------------------------------------

deadline::deadline(loop& l, std::function<void()> on_expire) : loop_(l), on_expire_(std::move(on_expire)) {
  node_.fire = &fired;
  node_.owner = this;
  node_.referenced = false;
}

deadline::~deadline() { cancel(); }

void deadline::expires_after(std::chrono::nanoseconds d) noexcept {
  auto& impl = detail::impl_of(loop_);
  due_ = impl.now() + std::max(d, std::chrono::nanoseconds::zero());
  armed_ = true;
  // The common case, pushing the deadline later, leaves the heap alone: the
  // entry pops early and fired() re-queues it for the real due time.
  if (node_.heap_index == detail::timer_node::not_queued || due_ < node_.expiry) {
    node_.expiry = due_;
    impl.timer_add(&node_);
  }
}

void deadline::cancel() noexcept {
  armed_ = false;
  // Not queued: leave the loop alone (a destroyed loop dequeued every timer).
  if (node_.heap_index != detail::timer_node::not_queued) detail::impl_of(loop_).timer_remove(&node_);
}

void deadline::ref() noexcept { detail::impl_of(loop_).timer_set_ref(&node_, true); }
void deadline::unref() noexcept { detail::impl_of(loop_).timer_set_ref(&node_, false); }

void deadline::fired(detail::timer_node* node) noexcept {
  auto* self = static_cast<deadline*>(node->owner);
  auto& impl = detail::impl_of(self->loop_);
  if (!self->armed_) return;
  if (self->due_ > impl.now()) {
    self->node_.expiry = self->due_;
    impl.timer_add(&self->node_);
    return;
  }
  self->armed_ = false;
  try {
    self->on_expire_();
  } catch (...) {
    impl.report_exception(std::current_exception());
  }
}

}  // namespace coronet
