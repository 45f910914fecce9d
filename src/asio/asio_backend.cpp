// The Boost.Asio backend: Asio's reactor (epoll on Linux) tells when a
// descriptor is ready; the system calls (each op's perform, in ops/) are
// made speculatively first, the way Asio's own sockets do. Everything runs on one io_context per loop.
#include "asio_backend.hpp"
#include "core/posix_compat.hpp"

#include <coronet/error.hpp>

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

asio_backend::~asio_backend() {
  // Waits aborted by a close are still queued; running them drops the
  // handle references they hold. They resume nobody: the loop's drain
  // has already completed every operation.
  tearing_down_ = true;
  work_.reset();
  io_.restart();
  io_.poll();
}

io_handle* asio_backend::attach(int fd) {
  try {
    return new asio_handle(loop_, fd, io_);
  } catch (...) {  // out of memory
    ::close(fd);
    throw std::bad_alloc();
  }
}

void asio_backend::close(io_handle* base) noexcept {
  auto* h = static_cast<asio_handle*>(base);
  if (io_op* op = std::exchange(h->reader, nullptr)) finish_later(op, -ECANCELED);
  if (io_op* op = std::exchange(h->writer, nullptr)) finish_later(op, -ECANCELED);
  boost::system::error_code ignored;
  h->sd->close(ignored);  // pending waits end with operation_aborted
  h->sd.reset();
  h->fd = -1;
}

bool asio_backend::start(io_handle* base, io_op* op) noexcept {
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

void asio_backend::cancel(io_handle* base, io_op* op) noexcept {
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

void asio_backend::poll(std::optional<std::chrono::nanoseconds> timeout) {
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

void asio_backend::wake() noexcept {
  try {
    asio::post(io_, [] {});
  } catch (...) {
    // Out of memory: the loop still wakes at its next timer or event.
  }
}

// One non-blocking try; -EAGAIN means "wait for readiness". A signal that
// interrupts the call (EINTR) is no result: the call is made again.
int asio_backend::attempt(asio_handle* h, io_op* op) noexcept {
  int res;
  do {
    res = attempt_once(h, op);
  } while (res == -EINTR);
  return res;
}

// The dispatch: each kind's system call (its perform) is in its file in ops/.
int asio_backend::attempt_once(asio_handle* h, io_op* op) noexcept {
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

// Starts a readiness wait unless one is pending. False only when Asio
// could not allocate the wait.
bool asio_backend::wait(asio_handle* h, asio::posix::stream_descriptor::wait_type type) noexcept {
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

void asio_backend::ready(asio_handle* h, bool write_side, const boost::system::error_code& ec) {
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

void asio_backend::finish_later(io_op* op, int res) noexcept {
  op->res = res;
  loop_.defer(op);
}

std::unique_ptr<backend> make_asio_backend(loop_impl& l, const loop_options& o) {
  try {
    return std::make_unique<asio_backend>(l, o);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(errno_code(e.code().value() > 0 ? e.code().value() : EIO), "asio io_context");
  }
}

}  // namespace coronet::detail
