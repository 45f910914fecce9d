#include <coronet/detail/io_awaitable.hpp>
#include <coronet/error.hpp>

#include "loop_impl.hpp"

#include <cerrno>

namespace coronet::detail {

io_awaitable::io_awaitable(io_handle* h, op_kind kind, std::stop_token stop, progress_fn progress) noexcept
    : handle_(h), loop_(h ? h->loop : nullptr), stop_(std::move(stop)), progress_(progress) {
  op_.kind = kind;
  op_.owner = this;
  op_.on_complete = &completed;
  op_.on_cancel = &cancel;
}

std::error_code io_awaitable::error() const noexcept { return op_.res < 0 ? errno_code(-op_.res) : std::error_code{}; }

bool io_awaitable::await_suspend(std::coroutine_handle<> h) noexcept {
  if (!handle_ || handle_->closed) {
    op_.res = -EBADF;
    return false;
  }
  if (stop_.stop_requested()) {
    op_.res = -ECANCELED;
    return false;
  }
  waiter_ = h;
  handle_->loop->begin_op(handle_);
  counted_ = true;
  if (!start()) {
    finish();
    return false;
  }
  link_.attach(*handle_->loop, op_, stop_);
  return true;
}

bool io_awaitable::start() noexcept {
  auto& loop = *handle_->loop;
  for (;;) {
    if (loop.io().start(handle_, &op_)) return true;
    if (op_.res >= 0 && progress_ && !progress_(this)) {
      if (stop_.stop_requested()) {
        op_.res = -ECANCELED;
        return false;
      }
      continue;  // another round of a multi-step op
    }
    if (loop.take_inline_budget()) return false;
    // Out of inline completions for this turn: deliver it next turn, with
    // its progress already counted.
    settled_ = true;
    loop.defer(&op_);
    return true;
  }
}

void io_awaitable::finish() noexcept {
  if (counted_) {
    counted_ = false;
    handle_->loop->end_op(handle_);
  }
}

void io_awaitable::completed(io_op* op) noexcept {
  auto* self = static_cast<io_awaitable*>(op->owner);
  if (!self->settled_ && op->res >= 0 && self->progress_ && !self->progress_(self)) {
    if (self->stop_.stop_requested() || self->handle_->closed) {
      op->res = -ECANCELED;
    } else if (self->start()) {
      return;  // the next round is pending
    }
  }
  self->link_.detach();
  self->finish();
  self->waiter_.resume();
}

void io_awaitable::cancel(io_op* op) noexcept {
  auto* self = static_cast<io_awaitable*>(op->owner);
  self->handle_->loop->io().cancel(self->handle_, op);
}

}  // namespace coronet::detail
