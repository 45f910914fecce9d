// The io_uring backend: one ring per loop, one submission per loop turn,
// multishot accept, multishot receive into a provided-buffer ring.
#include "core/loop_impl.hpp"
#include "uring_handle.hpp"

#include <coronet/detail/ops/accept_op.hpp>
#include <coronet/detail/ops/connect_op.hpp>
#include <coronet/detail/ops/receive_op.hpp>
#include <coronet/detail/ops/recv_op.hpp>
#include <coronet/detail/ops/send_op.hpp>
#include <coronet/error.hpp>

#include <liburing.h>
#include <poll.h>
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

constexpr int buffer_group = 0;
// Undelivered results a connection or listener may pile up before its
// multishot request is cancelled (the kernel then keeps the backpressure).
constexpr std::size_t max_queued_chunks = 8;
constexpr std::size_t max_queued_accepts = 64;
// io_op::backend_flags of a pending connect, recv or send: cancel() was asked.
constexpr std::uint32_t cancel_requested = 1;

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

class uring_backend final : public backend {
 public:
  uring_backend(loop_impl& l, const loop_options& o) : loop_(l) {
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

  ~uring_backend() override { teardown(); }

  backend_kind kind() const noexcept override { return backend_kind::uring; }

  io_handle* attach(int fd) override { return new uring_handle(loop_, fd); }

  void close(io_handle* base) noexcept override {
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

  // The dispatch: each kind's code is in its section below. accept and
  // receive are served by a request the handle owns; the others are one
  // kernel request per op, prepared by their section.
  bool start(io_handle* base, io_op* op) noexcept override {
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

  void cancel(io_handle* base, io_op* op) noexcept override {
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

  void release_receive_buffer(std::uint32_t id) noexcept override {
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

  void poll(std::optional<std::chrono::nanoseconds> timeout) override {
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

  void wake() noexcept override {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

 private:
  // ---- setup -------------------------------------------------------------

  void setup_buffers(unsigned count, unsigned size) {
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

  void setup_wakeup() {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno_code(errno), "eventfd");
    arm_wakeup();
  }

  void arm_wakeup() noexcept {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, wake_fd_, &wake_count_, sizeof wake_count_, 0);
    io_uring_sqe_set_data64(sqe, wake_user_data());
    ++in_flight_;
  }

  // The wakeup read is named by its counter's address: 8-aligned, so never
  // a tagged handle request, and never an op's address.
  std::uint64_t wake_user_data() const noexcept { return reinterpret_cast<std::uintptr_t>(&wake_count_); }

  void teardown() noexcept {
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

  // ---- submission ----------------------------------------------------------

  io_uring_sqe* get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {
      // The submission queue is full: hand it to the kernel early.
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  // One kernel request for an op that has one of its own (connect, recv,
  // send), prepared by the op's section. `poll_first`: wait for readiness
  // before the first try (a retry after EAGAIN).
  void submit_request(uring_handle* h, io_op* op, bool poll_first) noexcept {
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
  bool continued(io_op* op, int res) noexcept {
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
  void cancel_request(std::uint64_t target) noexcept {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, 0);
  }

  void finish_later(io_op* op, int res) noexcept {
    op->res = res;
    loop_.defer(op);
  }

  // ---- completion ----------------------------------------------------------

  void reap(bool dispatch = true) noexcept {
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
  void handle_completed(uring_handle* h, handle_request r, int res, std::uint32_t flags, bool dispatch) noexcept {
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

  // ---- accept ----------------------------------------------------------------

  bool start_accept(uring_handle* h, accept_op& op) noexcept {
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
  void cancel_accept(uring_handle* h, accept_op& op) noexcept {
    if (h->accept && h->accept->waiters.remove(&op)) finish_later(&op, -ECANCELED);
  }

  void arm_accept(uring_handle* h) noexcept {
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

  void arm_accept_poll(uring_handle* h) noexcept {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, h->fd, POLLIN);
    io_uring_sqe_set_data64(sqe, user_data_of(h, handle_request::accept_poll));
    h->accept->polling = true;
    ++h->refs;
    ++in_flight_;
  }

  // A client is waiting: try accepting again.
  void accept_poll_completed(uring_handle* h) noexcept {
    accept_state& a = *h->accept;
    a.polling = false;
    a.exhausted = false;
    if (!h->closed && !a.waiters.empty() && !a.armed) arm_accept(h);
    loop_.release(h);
  }

  void accept_completed(uring_handle* h, int res, std::uint32_t flags) noexcept {
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

  // ---- receive ---------------------------------------------------------------

  bool start_receive(uring_handle* h, receive_op& op) noexcept {
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
  void cancel_receive(uring_handle* h, receive_op& op) noexcept {
    if (h->recv_waiter != &op) return;
    h->recv_waiter = nullptr;
    finish_later(&op, -ECANCELED);
  }

  // The op's results: the byte count, which buffer and where it lives.
  void hand_over(receive_op& op, uring_handle::chunk c) noexcept {
    op.res = c.res;
    op.buffer_id = c.id;
    op.data = buffer_data(c.id);
  }

  void arm_receive(uring_handle* h) noexcept {
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

  void starve(uring_handle* h) noexcept {
    if (h->recv_starved) return;
    h->recv_starved = true;
    ++h->refs;  // the starved list holds the handle
    starved_.push_back(h);
  }

  void receive_completed(uring_handle* h, int res, std::uint32_t flags) noexcept {
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

  // ---- connect, recv, send: one request each (see submit_request) -----------

  static void prepare(io_uring_sqe* sqe, int fd, const connect_op& op) noexcept {
    io_uring_prep_connect(sqe, fd, op.addr, op.addrlen);
  }

  static void prepare(io_uring_sqe* sqe, int fd, const recv_op& op) noexcept {
    io_uring_prep_recv(sqe, fd, op.buf, op.len, 0);
  }

  static void prepare(io_uring_sqe* sqe, int fd, const send_op& op) noexcept {
    io_uring_prep_sendmsg(sqe, fd, op.msg, MSG_NOSIGNAL);
  }

  std::byte* buffer_data(std::uint32_t id) const noexcept {
    return buffers_ + static_cast<std::size_t>(id) * buffer_size_;
  }

  loop_impl& loop_;
  io_uring ring_{};
  bool registered_ = false;
  bool tearing_down_ = false;
  unsigned in_flight_ = 0;  // kernel requests whose last completion is pending

  io_uring_buf_ring* buf_ring_ = nullptr;
  std::size_t ring_bytes_ = 0;
  std::byte* buffers_ = nullptr;
  unsigned buffer_count_ = 0;
  unsigned buffer_size_ = 0;
  unsigned free_buffers_ = 0;
  std::vector<uring_handle*> starved_;

  int wake_fd_ = -1;
  std::uint64_t wake_count_ = 0;
};

}  // namespace

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
