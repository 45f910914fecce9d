// io_uring accept: one multishot accept per listener, its results handed
// to waiting accept_ops in order or queued for the next ones.
#include "uring/uring_backend.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <utility>

namespace coronet::detail {

bool uring_backend::start_accept(uring_handle* h, accept_op& op) noexcept {
  if (!h->accept) {
    h->accept.reset(new (std::nothrow) accept_state);
    if (!h->accept) {
      op.res = -ENOMEM;
      return false;
    }
  }
  accept_state& a = *h->accept;
  if (!a.accepted.empty()) {
    op.res = a.accepted.pop();
    return false;
  }
  if (a.error) {
    op.res = -std::exchange(a.error, 0);
    return false;
  }
  a.waiters.push(&op);
  if (!a.armed) arm_accept(h);
  return true;
}

// The multishot request stays; it serves the next accept or ends at close.
void uring_backend::cancel_accept(uring_handle* h, accept_op& op) noexcept {
  if (h->accept && h->accept->waiters.remove(&op)) finish_later(&op, -ECANCELED);
}

void uring_backend::arm_accept(uring_handle* h) noexcept {
  accept_state& a = *h->accept;
  if (a.exhausted) {
    if (!a.polling) arm_accept_poll(h);
    return;
  }
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_multishot_accept(sqe, h->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, user_data_of(h, handle_request::accept));
  a.armed = true;
  ++h->refs;  // the kernel request holds the handle
  ++in_flight_;
}

void uring_backend::arm_accept_poll(uring_handle* h) noexcept {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_poll_add(sqe, h->fd, POLLIN);
  io_uring_sqe_set_data64(sqe, user_data_of(h, handle_request::accept_poll));
  h->accept->polling = true;
  ++h->refs;
  ++in_flight_;
}

// A client is waiting: try accepting again.
void uring_backend::accept_poll_completed(uring_handle* h) noexcept {
  accept_state& a = *h->accept;
  a.polling = false;
  a.exhausted = false;
  if (!h->closed && !a.waiters.empty() && !a.armed) arm_accept(h);
  loop_.release(h);
}

void uring_backend::accept_completed(uring_handle* h, int res, std::uint32_t flags) noexcept {
  accept_state& a = *h->accept;
  const bool more = flags & IORING_CQE_F_MORE;
  if (!more) a.armed = a.cancelling = false;

  // Out of descriptors: empty the backlog, or the re-armed accept fails
  // again at once, forever.
  if ((res == -EMFILE || res == -ENFILE) && !h->closed) {
    a.exhausted = true;
    loop_.shed_waiting_connections(h->fd);
  }
  if (res >= 0 && h->closed) {
    ::close(res);
  } else if (res == -EAGAIN || res == -EINTR) {
    // The kernel gave up waiting, nothing failed (see continued()); the
    // request is armed again below while someone waits.
  } else if (res >= 0 || (res != -ECANCELED && !h->closed)) {
    if (io_op* w = a.waiters.pop()) {
      w->res = res;
      w->on_complete(w);
    } else if (res >= 0) {
      a.accepted.push(res);
      if (a.accepted.size() >= max_queued_accepts && a.armed && !a.cancelling) {
        a.cancelling = true;
        cancel_request(user_data_of(h, handle_request::accept));
      }
    } else {
      a.error = -res;
    }
  }
  if (!more) {
    if (!h->closed && !a.waiters.empty() && !a.armed) arm_accept(h);
    loop_.release(h);
  }
}

}  // namespace coronet::detail
