// The Boost.Asio backend: Asio's reactor (epoll on Linux) tells when a
// descriptor is ready; the system calls are made here, speculatively first,
// the way Asio's own sockets do. Everything runs on one io_context per loop.
#include "core/loop_impl.hpp"
#include "core/posix_compat.hpp"

#include <coronet/detail/ops/accept_op.hpp>
#include <coronet/detail/ops/connect_op.hpp>
#include <coronet/detail/ops/receive_op.hpp>
#include <coronet/detail/ops/recv_op.hpp>
#include <coronet/detail/ops/send_op.hpp>
#include <coronet/error.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <new>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace coronet::detail {

namespace {

namespace asio = boost::asio;

struct asio_handle final : io_handle {
  // Never throws for a bad descriptor: an epoll registration that fails
  // (EBADF, EPERM for a regular file) is kept and reported by the first
  // operation that has to wait.
  asio_handle(loop_impl& l, int descriptor, asio::io_context& io) : io_handle(l, descriptor) {
    suppress_sigpipe(descriptor);  // where SO_NOSIGPIPE, not MSG_NOSIGNAL, is the way
    boost::system::error_code ec;
    sd.emplace(io);
    sd->assign(descriptor, ec);
    if (ec) assign_error = ec.value() > 0 ? ec.value() : EBADF;
  }

  // Reset at close, so a handle that outlives its loop holds nothing of the
  // io_context (see loop.hpp on teardown).
  std::optional<asio::posix::stream_descriptor> sd;
  io_op* reader = nullptr;  // accept, recv, receive
  io_op* writer = nullptr;  // connect, send
  bool read_wait = false;   // an async_wait for readability is pending
  bool write_wait = false;
  int assign_error = 0;  // errno from registering with the reactor
  // Out of descriptors: accept fails at once even with nobody waiting, so
  // the next accept waits for a client first (or it would spin).
  bool accept_exhausted = false;
};

int last_error() noexcept { return errno == EWOULDBLOCK ? -EAGAIN : -errno; }

class asio_backend final : public backend {
 public:
  // Asio throws boost::system::system_error (epoll_create failing with
  // EMFILE, say); make_asio_backend turns that into std::system_error.
  asio_backend(loop_impl& l, const loop_options& o)
      : loop_(l), io_(1), work_(asio::make_work_guard(io_)), buffer_size_(o.receive_buffer_size) {}

  ~asio_backend() override {
    // Waits aborted by a close are still queued; running them drops the
    // handle references they hold. They resume nobody: the loop's drain
    // has already completed every operation.
    tearing_down_ = true;
    work_.reset();
    io_.restart();
    io_.poll();
  }

  backend_kind kind() const noexcept override { return backend_kind::asio; }

  io_handle* attach(int fd) override {
    try {
      return new asio_handle(loop_, fd, io_);
    } catch (...) {  // out of memory
      ::close(fd);
      throw std::bad_alloc();
    }
  }

  void close(io_handle* base) noexcept override {
    auto* h = static_cast<asio_handle*>(base);
    if (io_op* op = std::exchange(h->reader, nullptr)) finish_later(op, -ECANCELED);
    if (io_op* op = std::exchange(h->writer, nullptr)) finish_later(op, -ECANCELED);
    boost::system::error_code ignored;
    h->sd->close(ignored);  // pending waits end with operation_aborted
    h->sd.reset();
    h->fd = -1;
  }

  bool start(io_handle* base, io_op* op) noexcept override {
    auto* h = static_cast<asio_handle*>(base);
    int res = op->kind == op_kind::accept && h->accept_exhausted ? -EAGAIN : attempt(h, op);
    if (res == -EAGAIN && h->assign_error) res = -h->assign_error;  // it can never become ready
    if (res != -EAGAIN) {
      op->res = res;
      return false;
    }
    const bool write_side = is_write_side(op->kind);
    if (!wait(h, write_side ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read)) {
      op->res = -ENOMEM;
      return false;
    }
    (write_side ? h->writer : h->reader) = op;
    return true;
  }

  void cancel(io_handle* base, io_op* op) noexcept override {
    auto* h = static_cast<asio_handle*>(base);
    // The readiness wait stays; it serves the next op or ends at close.
    if (h->reader == op) {
      h->reader = nullptr;
    } else if (h->writer == op) {
      h->writer = nullptr;
    } else {
      return;  // not waiting here (already completed, or delivered next turn)
    }
    finish_later(op, -ECANCELED);
  }

  void release_receive_buffer(std::uint32_t id) noexcept override {
    // A burst may have needed many buffers at once; past a few, give the
    // memory back so idle connections cost nothing here.
    if (free_.size() >= max_spare_buffers) {
      buffers_[id].reset();
      empty_slots_.push_back(id);
      return;
    }
    free_.push_back(id);
  }

  void poll(std::optional<std::chrono::nanoseconds> timeout) override {
    try {
      std::size_t ran = 0;
      // TRICKY: run_one blocks and then runs the handler inside itself, so
      // a handler that ends a wait refreshes the loop's clock (ready()).
      if (!timeout) {
        waiting_ = true;
        ran = io_.run_one();
      } else if (timeout->count() > 0) {
        waiting_ = true;
        ran = io_.run_one_for(*timeout);
      }
      waiting_ = false;
      // A bounded batch per turn, like an io_uring CQ batch: with thousands of
      // ready descriptors, running them all at once would let every one hold a
      // receive buffer before any write completed.
      while (ran < max_handlers_per_turn && io_.poll_one()) ++ran;
    } catch (const boost::system::system_error& e) {
      // The reactor failed (epoll_wait); no Boost exception reaches a user.
      throw std::system_error(errno_code(e.code().value() > 0 ? e.code().value() : EIO), "asio poll");
    }
    if (io_.stopped()) io_.restart();
  }

  void wake() noexcept override {
    try {
      asio::post(io_, [] {});
    } catch (...) {
      // Out of memory: the loop still wakes at its next timer or event.
    }
  }

 private:
  // Which readiness an op waits for, and the slot it waits in.
  static bool is_write_side(op_kind k) noexcept { return k == op_kind::connect || k == op_kind::send; }

  // One non-blocking try; -EAGAIN means "wait for readiness". A signal that
  // interrupts the call (EINTR) is no result: the call is made again.
  int attempt(asio_handle* h, io_op* op) noexcept {
    int res;
    do {
      res = attempt_once(h, op);
    } while (res == -EINTR);
    return res;
  }

  // The dispatch: each kind's system call (its perform) is in its section below.
  int attempt_once(asio_handle* h, io_op* op) noexcept {
    switch (op->kind) {
      case op_kind::accept:
        return perform(h, static_cast<accept_op&>(*op));
      case op_kind::connect:
        return perform(h->fd, static_cast<connect_op&>(*op));
      case op_kind::recv:
        return perform(h->fd, static_cast<recv_op&>(*op));
      case op_kind::receive:
        return perform(h->fd, static_cast<receive_op&>(*op));
      case op_kind::send:
        return perform(h->fd, static_cast<send_op&>(*op));
    }
    return -EINVAL;
  }

  // ---- accept ----------------------------------------------------------------

  int perform(asio_handle* h, accept_op&) noexcept {
    int s = accept_nonblocking(h->fd);
    h->accept_exhausted = s < 0 && (errno == EMFILE || errno == ENFILE);
    if (s >= 0) return s;
    const int err = last_error();
    // Out of descriptors: empty the backlog, or readiness fires forever.
    if (h->accept_exhausted) loop_.shed_waiting_connections(h->fd);
    return err;
  }

  // ---- connect ---------------------------------------------------------------

  static int perform(int fd, connect_op& op) noexcept {
    if (op.in_progress) {  // writable now, so it is decided
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
      return err == 0 ? 0 : (err == EINPROGRESS ? -EAGAIN : -err);
    }
    if (::connect(fd, op.addr, op.addrlen) == 0) return 0;
    if (errno == EINPROGRESS || errno == EINTR) {  // EINTR: it goes on in the background
      op.in_progress = true;
      return -EAGAIN;
    }
    return -errno;  // includes EAGAIN: a full Unix socket backlog
  }

  // ---- recv ------------------------------------------------------------------

  static int perform(int fd, recv_op& op) noexcept {
    ssize_t n = ::recv(fd, op.buf, op.len, 0);
    return n >= 0 ? static_cast<int>(n) : last_error();
  }

  // ---- receive ---------------------------------------------------------------

  int perform(int fd, receive_op& op) noexcept {
    std::uint32_t id;
    try {
      id = take_buffer();
    } catch (...) {  // out of memory
      return -ENOMEM;
    }
    std::byte* data = buffers_[id].get();
    ssize_t n = ::recv(fd, data, buffer_size_, 0);
    if (n > 0) {
      op.buffer_id = id;
      op.data = data;
      return static_cast<int>(n);
    }
    free_.push_back(id);
    return n == 0 ? 0 : last_error();
  }

  std::uint32_t take_buffer() {
    if (free_.empty()) {
      if (!empty_slots_.empty()) {
        std::uint32_t id = empty_slots_.back();
        empty_slots_.pop_back();
        buffers_[id] = std::make_unique<std::byte[]>(buffer_size_);
        return id;
      }
      buffers_.push_back(std::make_unique<std::byte[]>(buffer_size_));
      free_.reserve(max_spare_buffers);
      empty_slots_.reserve(buffers_.size());
      return static_cast<std::uint32_t>(buffers_.size() - 1);
    }
    std::uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }

  // ---- send ------------------------------------------------------------------

  static int perform(int fd, send_op& op) noexcept {
    ssize_t n = sendmsg_nosignal(fd, op.msg);
    return n >= 0 ? static_cast<int>(n) : last_error();
  }

  // ---- readiness -------------------------------------------------------------

  // Starts a readiness wait unless one is pending. False only when Asio
  // could not allocate the wait.
  bool wait(asio_handle* h, asio::posix::stream_descriptor::wait_type type) noexcept {
    const bool write_side = type == asio::posix::stream_descriptor::wait_write;
    bool& waiting = write_side ? h->write_wait : h->read_wait;
    if (waiting) return true;
    try {
      h->sd->async_wait(type, [this, h, write_side](const boost::system::error_code& ec) {
        (write_side ? h->write_wait : h->read_wait) = false;
        ready(h, write_side, ec);
        loop_.release(h);
      });
    } catch (...) {
      return false;
    }
    waiting = true;
    ++h->refs;  // the pending wait holds the handle
    return true;
  }

  void ready(asio_handle* h, bool write_side, const boost::system::error_code& ec) {
    io_op*& slot = write_side ? h->writer : h->reader;
    io_op* op = slot;
    if (!op || tearing_down_) return;
    if (std::exchange(waiting_, false)) loop_.refresh_now();  // the first handler after a long wait
    int res = ec ? -ECANCELED : attempt(h, op);
    if (res == -EAGAIN) {
      if (wait(h, write_side ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read))
        return;
      res = -ENOMEM;
    }
    slot = nullptr;
    op->res = res;
    op->on_complete(op);
  }

  void finish_later(io_op* op, int res) noexcept {
    op->res = res;
    loop_.defer(op);
  }

  loop_impl& loop_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::size_t buffer_size_;
  bool tearing_down_ = false;
  bool waiting_ = false;  // inside a blocking run_one: the loop clock is stale
  std::vector<std::unique_ptr<std::byte[]>> buffers_;
  std::vector<std::uint32_t> free_;         // allocated, unused
  std::vector<std::uint32_t> empty_slots_;  // ids whose memory was given back
  static constexpr std::size_t max_spare_buffers = 64;
  static constexpr std::size_t max_handlers_per_turn = 64;
};

}  // namespace

std::unique_ptr<backend> make_asio_backend(loop_impl& l, const loop_options& o) {
  try {
    return std::make_unique<asio_backend>(l, o);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(errno_code(e.code().value() > 0 ? e.code().value() : EIO), "asio io_context");
  }
}

}  // namespace coronet::detail
