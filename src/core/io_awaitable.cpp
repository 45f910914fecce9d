#include <coronet/detail/io_awaitable.hpp>
#include <coronet/error.hpp>

#include "loop_impl.hpp"

#include <cerrno>

namespace coronet::detail {

io_awaitable_base::io_awaitable_base(io_handle* h, std::stop_token stop, progress_fn progress) noexcept
    : handle_(h), loop_(h ? h->loop : nullptr), stop_(std::move(stop)), progress_(progress) {}

void io_awaitable_base::bind(io_op& op) noexcept {
  op.owner = this;
  op.on_complete = &completed;
  op.on_cancel = &cancel;
}

std::error_code io_awaitable_base::error_of(int res) noexcept { return res < 0 ? errno_code(-res) : std::error_code{}; }

bool io_awaitable_base::suspend(io_op& op, std::coroutine_handle<> h) noexcept {
  if (!handle_ || handle_->closed) {
    op.res = -EBADF;
    return false;
  }
  if (stop_.stop_requested()) {
    op.res = -ECANCELED;
    return false;
  }
  waiter_ = h;
  handle_->loop->begin_op(handle_);
  counted_ = true;
  if (!start(op)) {
    finish();
    return false;
  }
  link_.attach(*handle_->loop, op, stop_);
  return true;
}

bool io_awaitable_base::start(io_op& op) noexcept {
  auto& loop = *handle_->loop;
  for (;;) {
    if (loop.io().start(handle_, &op)) return true;
    if (op.res >= 0 && progress_ && !progress_(this)) {
      if (stop_.stop_requested()) {
        op.res = -ECANCELED;
        return false;
      }
      continue;  // another round of a multi-step op
    }
    if (loop.take_inline_budget()) return false;
    // Out of inline completions for this turn: deliver it next turn, with
    // its progress already counted.
    settled_ = true;
    loop.defer(&op);
    return true;
  }
}

void io_awaitable_base::finish() noexcept {
  if (counted_) {
    counted_ = false;
    handle_->loop->end_op(handle_);
  }
}

void io_awaitable_base::completed(io_op* op) noexcept {
  auto* self = static_cast<io_awaitable_base*>(op->owner);
  if (!self->settled_ && op->res >= 0 && self->progress_ && !self->progress_(self)) {
    if (self->stop_.stop_requested() || self->handle_->closed) {
      op->res = -ECANCELED;
    } else if (self->start(*op)) {
      return;  // the next round is pending
    }
  }
  self->link_.detach();
  self->finish();
  self->waiter_.resume();
}

void io_awaitable_base::cancel(cancellable* c) noexcept {
  auto* op = static_cast<io_op*>(c);
  auto* self = static_cast<io_awaitable_base*>(op->owner);
  self->handle_->loop->io().cancel(self->handle_, op);
}

}  // namespace coronet::detail
