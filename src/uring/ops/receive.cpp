// io_uring receive: one multishot receive per connection into the
// provided-buffer ring; each chunk goes to the waiting receive_op with its
// buffer's address, or waits in a short queue.
#include "uring/uring_backend.hpp"

#include <cerrno>
#include <new>
#include <utility>

namespace coronet::detail {

void uring_backend::release_receive_buffer(std::uint32_t id) noexcept {
  io_uring_buf_ring_add(buf_ring_, buffer_data(id), buffer_size_, static_cast<unsigned short>(id),
                        io_uring_buf_ring_mask(buffer_count_), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
  ++free_buffers_;
  // A connection that ran dry (ENOBUFS) may receive again.
  while (!starved_.empty() && free_buffers_ > 0) {
    auto* h = starved_.back();
    starved_.pop_back();
    h->recv_starved = false;
    if (!h->closed && h->recv_waiter && !h->recv_armed) arm_receive(h);
    loop_.release(h);
  }
}

bool uring_backend::start_receive(uring_handle* h, receive_op& op) noexcept {
  if (!h->chunks.empty()) {
    hand_over(op, h->chunks.pop());
    return false;
  }
  if (h->recv_final <= 0) {  // end of stream and errors repeat for later reads
    op.res = h->recv_final;
    return false;
  }
  h->recv_waiter = &op;
  if (!h->recv_armed && !h->recv_starved) arm_receive(h);
  return true;
}

// The multishot request stays; it serves the next receive or ends at close.
void uring_backend::cancel_receive(uring_handle* h, receive_op& op) noexcept {
  if (h->recv_waiter != &op) return;
  h->recv_waiter = nullptr;
  finish_later(&op, -ECANCELED);
}

// The op's results: the byte count, which buffer and where it lives.
void uring_backend::hand_over(receive_op& op, uring_handle::chunk c) noexcept {
  op.res = c.res;
  op.buffer_id = c.id;
  op.data = buffer_data(c.id);
}

void uring_backend::arm_receive(uring_handle* h) noexcept {
  if (free_buffers_ == 0) {
    starve(h);
    return;
  }
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_recv_multishot(sqe, h->fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffer_group;
  io_uring_sqe_set_data64(sqe, user_data_of(h, handle_request::receive));
  h->recv_armed = true;
  ++h->refs;
  ++in_flight_;
}

void uring_backend::starve(uring_handle* h) noexcept {
  if (h->recv_starved) return;
  h->recv_starved = true;
  ++h->refs;  // the starved list holds the handle
  starved_.push_back(h);
}

void uring_backend::receive_completed(uring_handle* h, int res, std::uint32_t flags) noexcept {
  const bool more = flags & IORING_CQE_F_MORE;
  if (!more) h->recv_armed = h->recv_cancelling = false;

  if (flags & IORING_CQE_F_BUFFER) {
    --free_buffers_;
    if (res <= 0 || h->closed) release_receive_buffer(flags >> IORING_CQE_BUFFER_SHIFT);
  }
  if (res == -ENOBUFS) {
    if (!h->closed) starve(h);
  } else if (res == -EAGAIN || res == -EINTR) {
    // Not the end of the stream (see continued()): armed again below.
  } else if (res == -ECANCELED || h->closed) {
    // Our own cancel (queue full, or close): nothing to report.
  } else if (res > 0) {
    uring_handle::chunk c{res, flags >> IORING_CQE_BUFFER_SHIFT};
    if (receive_op* w = std::exchange(h->recv_waiter, nullptr)) {
      hand_over(*w, c);
      w->on_complete(w);
    } else {
      h->chunks.push(c);
      if (h->chunks.size() >= max_queued_chunks && h->recv_armed && !h->recv_cancelling) {
        h->recv_cancelling = true;
        cancel_request(user_data_of(h, handle_request::receive));
      }
    }
  } else {
    // End of stream or an error: final for this connection.
    h->recv_final = res;
    if (h->chunks.empty()) {
      if (receive_op* w = std::exchange(h->recv_waiter, nullptr)) {
        w->res = res;
        w->on_complete(w);
      }
    }
  }
  if (!more) {
    if (!h->closed && h->recv_waiter && !h->recv_armed && !h->recv_starved && h->recv_final > 0) arm_receive(h);
    loop_.release(h);
  }
}

}  // namespace coronet::detail
