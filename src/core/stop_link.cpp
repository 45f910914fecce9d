#include <coronet/detail/stop_link.hpp>

#include "loop_impl.hpp"

namespace coronet::detail {

void stop_link::request::operator()() const noexcept {
  if (loop->on_loop_thread()) {
    op->on_cancel(op);
  } else {
    loop->post_cancel(op);
  }
}

void stop_link::attach(loop_impl& l, cancellable& op, const std::stop_token& token) {
  if (!token.stop_possible()) return;
  loop_ = &l;
  op_ = &op;
  // Runs the request at once if stop was already requested.
  callback_.emplace(token, request{&l, &op});
}

void stop_link::detach() noexcept {
  if (!callback_) return;
  // TRICKY: destroying the callback waits for one running on another thread,
  // so after this line no new cross-thread request can name the op, and one
  // already handed over is withdrawn before the op's memory can go.
  callback_.reset();
  if (op_->cancel_posted) loop_->withdraw_cancel(op_);
}

}  // namespace coronet::detail
