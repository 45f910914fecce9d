// The io_uring backend: one ring per loop, one submission per loop turn,
// multishot accept, multishot receive into a provided-buffer ring.
#include "uring_backend.hpp"

#include <coronet/error.hpp>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace coronet::detail {

namespace {

// Sets the ring up with the cheapest flags the kernel takes.
int init_ring(io_uring& ring, unsigned entries, unsigned cq_entries = 0) {
  const unsigned attempts[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
      IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
      0,
  };
  int rc = -EINVAL;
  for (unsigned flags : attempts) {
    io_uring_params p{};
    p.flags = flags;
    if (cq_entries) {
      p.flags |= IORING_SETUP_CQSIZE;
      p.cq_entries = cq_entries;
    }
    rc = io_uring_queue_init_params(entries, &ring, &p);
    if (rc != -EINVAL) break;  // EINVAL: an unknown flag; anything else is final
  }
  return rc;
}

}  // namespace

uring_backend::uring_backend(loop_impl& l, const loop_options& o) : loop_(l) {
  if (int rc = init_ring(ring_, o.queue_depth, o.completion_queue_depth); rc < 0)
    throw std::system_error(errno_code(-rc), "io_uring_queue_init");
  try {
    setup_buffers(o.receive_buffer_count, o.receive_buffer_size);
    setup_wakeup();
  } catch (...) {
    teardown();
    throw;
  }
}

void uring_backend::close(io_handle* base) noexcept {
  auto* h = static_cast<uring_handle*>(base);
  // Waiters queued here (not in the kernel) finish now, as cancelled.
  accept_state* a = h->accept.get();
  if (a) {
    while (io_op* w = a->waiters.pop()) finish_later(w, -ECANCELED);
    while (!a->accepted.empty()) ::close(a->accepted.pop());
  }
  if (receive_op* w = std::exchange(h->recv_waiter, nullptr)) finish_later(w, -ECANCELED);
  while (!h->chunks.empty()) release_receive_buffer(h->chunks.pop().id);
  // Everything the kernel holds for this descriptor ends with ECANCELED;
  // their completions still arrive, so no memory goes before they do. The
  // cancel must reach the kernel while the descriptor still names the file.
  if ((a && (a->armed || a->polling)) || h->recv_armed || h->pending > 0) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel_fd(sqe, h->fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, 0);
    io_uring_submit(&ring_);
  }
  ::close(h->fd);
  h->fd = -1;
}

// The dispatch: each kind's code is in its file in ops/. accept and
// receive are served by a request the handle owns; the others are one
// kernel request per op, prepared by their file.
bool uring_backend::start(io_handle* base, io_op* op) noexcept {
  auto* h = static_cast<uring_handle*>(base);
  switch (op->kind) {
    case op_kind::accept:
      return start_accept(h, static_cast<accept_op&>(*op));
    case op_kind::receive:
      return start_receive(h, static_cast<receive_op&>(*op));
    case op_kind::connect:
    case op_kind::recv:
    case op_kind::send:
      submit_request(h, op, false);
      return true;
  }
  op->res = -EINVAL;
  return false;
}

void uring_backend::cancel(io_handle* base, io_op* op) noexcept {
  auto* h = static_cast<uring_handle*>(base);
  switch (op->kind) {
    case op_kind::accept:
      return cancel_accept(h, static_cast<accept_op&>(*op));
    case op_kind::receive:
      return cancel_receive(h, static_cast<receive_op&>(*op));
    case op_kind::connect:
    case op_kind::recv:
    case op_kind::send:
      op->backend_flags |= cancel_requested;  // a retry after EAGAIN must not outlive it
      cancel_request(reinterpret_cast<std::uintptr_t>(op));
      return;
  }
}

void uring_backend::poll(std::optional<std::chrono::nanoseconds> timeout) {
  int rc;
  if (timeout && timeout->count() == 0) {
    rc = io_uring_submit_and_get_events(&ring_);
  } else {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{};
    if (timeout) {
      ts.tv_sec = timeout->count() / 1'000'000'000;
      ts.tv_nsec = timeout->count() % 1'000'000'000;
    }
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout ? &ts : nullptr, nullptr);
    loop_.refresh_now();  // the wait may have been long
  }
  (void)rc;  // ETIME and EINTR only mean there is nothing (more) to reap
  reap();
}

void uring_backend::wake() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void uring_backend::setup_buffers(unsigned count, unsigned size) {
  if (count == 0 || (count & (count - 1)) != 0 || count > 32768)
    throw std::system_error(errno_code(EINVAL), "receive_buffer_count must be a power of two <= 32768");
  buffer_count_ = count;
  buffer_size_ = size;
  ring_bytes_ = count * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) throw std::system_error(errno_code(errno), "mmap");
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(buf_ring_);
  reg.ring_entries = count;
  reg.bgid = buffer_group;
  if (int rc = io_uring_register_buf_ring(&ring_, &reg, 0); rc < 0)
    throw std::system_error(errno_code(-rc), "io_uring_register_buf_ring");
  registered_ = true;
  buffers_ = new std::byte[static_cast<std::size_t>(count) * size];
  for (unsigned i = 0; i < count; ++i)
    io_uring_buf_ring_add(buf_ring_, buffer_data(i), size, static_cast<unsigned short>(i),
                          io_uring_buf_ring_mask(count), static_cast<int>(i));
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(count));
  free_buffers_ = count;
}

void uring_backend::setup_wakeup() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno_code(errno), "eventfd");
  arm_wakeup();
}

void uring_backend::arm_wakeup() noexcept {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_read(sqe, wake_fd_, &wake_count_, sizeof wake_count_, 0);
  io_uring_sqe_set_data64(sqe, wake_user_data());
  ++in_flight_;
}

void uring_backend::teardown() noexcept {
  tearing_down_ = true;
  if (ring_.ring_fd >= 0) {
    // Let the kernel finish with every buffer we own before freeing them.
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, 0);
    for (int round = 0; in_flight_ > 0 && round < 100; ++round) {
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec ts{0, 10'000'000};
      io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      reap(/*dispatch=*/false);
    }
    if (registered_) io_uring_unregister_buf_ring(&ring_, buffer_group);
    io_uring_queue_exit(&ring_);
    ring_.ring_fd = -1;
  }
  for (auto* h : starved_) loop_.release(h);
  starved_.clear();
  if (buf_ring_) ::munmap(buf_ring_, ring_bytes_);
  delete[] buffers_;
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

io_uring_sqe* uring_backend::get_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (!sqe) {
    // The submission queue is full: hand it to the kernel early.
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

// One kernel request for an op that has one of its own (connect, recv,
// send), prepared by the op's file. `poll_first`: wait for readiness
// before the first try (a retry after EAGAIN).
void uring_backend::submit_request(uring_handle* h, io_op* op, bool poll_first) noexcept {
  io_uring_sqe* sqe = get_sqe();
  switch (op->kind) {
    case op_kind::connect:
      prepare(sqe, h->fd, static_cast<const connect_op&>(*op));
      break;
    case op_kind::recv:
      prepare(sqe, h->fd, static_cast<const recv_op&>(*op));
      break;
    case op_kind::send:
      prepare(sqe, h->fd, static_cast<const send_op&>(*op));
      break;
    case op_kind::accept:
    case op_kind::receive:
      break;  // served by the handle's own request (see start())
  }
  if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  io_uring_sqe_set_data(sqe, op);
  op->handle = h;
  op->backend_flags = 0;
  ++in_flight_;
}

// TRICKY: the kernel answers a recv or send on a non-blocking socket with
// -EAGAIN when its own poll-and-retry gives up: after a wakeup that did not
// make the socket ready (a FIN arriving while a send waits for buffer
// space wakes the socket's waiters), or once it ran out of poll retries,
// the request goes to an io-wq worker whose blocking try sees O_NONBLOCK.
// Nothing failed: the op is started again, waiting for readiness first.
// -EINTR (a worker interrupted) is the same. Ops that were cancelled, or
// whose handle closed, in the meantime end as ECANCELED instead.
bool uring_backend::continued(io_op* op, int res) noexcept {
  if (res != -EAGAIN && res != -EINTR) return false;
  if (!op->handle || (op->kind != op_kind::recv && op->kind != op_kind::send)) return false;
  auto* h = static_cast<uring_handle*>(op->handle);
  if (h->closed || (op->backend_flags & cancel_requested)) {
    op->res = -ECANCELED;
    op->backend_flags = 0;
    op->on_complete(op);
    return true;
  }
  submit_request(h, op, true);
  return true;
}

// Cancels the kernel request whose user_data is `target`.
void uring_backend::cancel_request(std::uint64_t target) noexcept {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_cancel64(sqe, target, 0);
  io_uring_sqe_set_data64(sqe, 0);
}

void uring_backend::finish_later(io_op* op, int res) noexcept {
  op->res = res;
  loop_.defer(op);
}

void uring_backend::reap(bool dispatch) noexcept {
  io_uring_cqe* cqes[64];
  for (;;) {
    unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 64);
    if (n == 0) return;
    // Copy out and free the CQ slots first: a completion may submit.
    struct done {
      std::uint64_t data;
      int res;
      std::uint32_t flags;
    } batch[64];
    for (unsigned i = 0; i < n; ++i) batch[i] = {io_uring_cqe_get_data64(cqes[i]), cqes[i]->res, cqes[i]->flags};
    io_uring_cq_advance(&ring_, n);
    for (unsigned i = 0; i < n; ++i) {
      auto [data, res, flags] = batch[i];
      if (!data) continue;  // a cancel request's own completion
      if (!(flags & IORING_CQE_F_MORE)) --in_flight_;
      if (data == wake_user_data()) {
        if (dispatch && !tearing_down_) arm_wakeup();
        continue;
      }
      if (auto tag = data & handle_request_mask) {
        auto* h = reinterpret_cast<uring_handle*>(data & ~handle_request_mask);
        handle_completed(h, static_cast<handle_request>(tag), res, flags, dispatch);
        continue;
      }
      auto* op = reinterpret_cast<io_op*>(data);
      if (!dispatch) {  // tearing down: resume nobody
        if ((flags & IORING_CQE_F_BUFFER) && res > 0) release_receive_buffer(flags >> IORING_CQE_BUFFER_SHIFT);
        continue;
      }
      if (continued(op, res)) continue;
      op->res = res;
      op->on_complete(op);
    }
  }
}

// The requests a handle owns (multishot accept and receive, the accept
// poll after EMFILE): each holds a handle reference until its last CQE.
void uring_backend::handle_completed(uring_handle* h, handle_request r, int res, std::uint32_t flags,
                                     bool dispatch) noexcept {
  if (!dispatch) {  // tearing down: settle ownership, resume nobody
    if ((flags & IORING_CQE_F_BUFFER) && res > 0) release_receive_buffer(flags >> IORING_CQE_BUFFER_SHIFT);
    if (r == handle_request::accept && res >= 0) ::close(res);
    if (!(flags & IORING_CQE_F_MORE)) loop_.release(h);
    return;
  }
  switch (r) {
    case handle_request::accept:
      accept_completed(h, res, flags);
      break;
    case handle_request::accept_poll:
      accept_poll_completed(h);
      break;
    case handle_request::receive:
      receive_completed(h, res, flags);
      break;
  }
}

std::unique_ptr<backend> make_uring_backend(loop_impl& l, const loop_options& o) {
  return std::make_unique<uring_backend>(l, o);
}

bool uring_supported() noexcept {
  io_uring ring{};
  if (init_ring(ring, 4) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

}  // namespace coronet::detail
