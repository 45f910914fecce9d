#include <coronet/deferred_call.hpp>
#include <coronet/notifier.hpp>

#include "loop_impl.hpp"

#include <cstddef>

namespace coronet {

notifier::~notifier() {
  // TRICKY: a queued wake must not outlive us; unlink it from the ready
  // queue by delivering nothing: the owner guarantees nobody waits any more.
  if (queued_) detail::impl_of(*loop_).cancel_deferred(&entry_);
}

void notifier::notify() noexcept {
  if (!waiter_) {
    signaled_ = true;
    return;
  }
  if (queued_) return;
  queued_ = true;
  detail::impl_of(*loop_).defer(&entry_);
}

void notifier::fire(completion* c) noexcept {
  auto* self = reinterpret_cast<notifier*>(reinterpret_cast<char*>(c) - offsetof(notifier, entry_));
  self->queued_ = false;
  auto h = self->waiter_;
  self->waiter_ = {};
  self->signaled_ = false;
  if (h) h.resume();
}

void deferred_call::schedule() noexcept {
  if (scheduled_) return;
  scheduled_ = true;
  detail::impl_of(*loop_).defer(&entry_);
}

void deferred_call::cancel() noexcept {
  if (!scheduled_) return;
  scheduled_ = false;
  detail::impl_of(*loop_).cancel_deferred(&entry_);
}

void deferred_call::run(completion* c) noexcept {
  auto* self = reinterpret_cast<deferred_call*>(reinterpret_cast<char*>(c) - offsetof(deferred_call, entry_));
  self->scheduled_ = false;
  self->fn_(self->arg_);
}

}  // namespace coronet
