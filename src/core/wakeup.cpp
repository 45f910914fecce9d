#include <coronet/detail/wakeup.hpp>
#include <coronet/keep_alive.hpp>

#include "loop_impl.hpp"

namespace coronet {

keep_alive::keep_alive(loop& l) noexcept : loop_(&l) { l.impl().add_ref(); }

void keep_alive::reset() noexcept {
  if (loop_) std::exchange(loop_, nullptr)->impl().drop_ref();
}

namespace detail {

wakeup::wakeup(loop& l) noexcept : loop_(&l.impl()) {
  op_.owner = this;
  op_.on_complete = &fire;
}

wakeup::~wakeup() {
  // TRICKY: a queued wake must not outlive us; unlink it from the ready
  // queue by delivering nothing: the owner guarantees nobody waits any more.
  if (queued_) loop_->cancel_deferred(&op_);
}

void wakeup::notify() noexcept {
  if (!waiter_) {
    signaled_ = true;
    return;
  }
  if (queued_) return;
  queued_ = true;
  loop_->defer(&op_);
}

void wakeup::fire(io_op* op) noexcept {
  auto* self = static_cast<wakeup*>(op->owner);
  self->queued_ = false;
  auto h = self->waiter_;
  self->waiter_ = {};
  self->signaled_ = false;
  if (h) h.resume();
}

}  // namespace detail
}  // namespace coronet
