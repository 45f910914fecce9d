// The Asio backend's class, shared by its files: asio_backend.cpp (the
// io_context, readiness waits and the dispatch by op kind) and one file per
// operation in ops/, each the op's non-blocking system call (its perform).
#pragma once

#include "core/loop_impl.hpp"
#include "core/posix_compat.hpp"

#include <coronet/detail/ops/accept_op.hpp>
#include <coronet/detail/ops/connect_op.hpp>
#include <coronet/detail/ops/receive_op.hpp>
#include <coronet/detail/ops/recv_op.hpp>
#include <coronet/detail/ops/send_op.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace coronet::detail {

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

// errno as a result; EWOULDBLOCK is EAGAIN, "wait for readiness".
inline int last_error() noexcept { return errno == EWOULDBLOCK ? -EAGAIN : -errno; }

class asio_backend final : public backend {
 public:
  // Asio throws boost::system::system_error (epoll_create failing with
  // EMFILE, say); make_asio_backend turns that into std::system_error.
  asio_backend(loop_impl& l, const loop_options& o)
      : loop_(l), io_(1), work_(asio::make_work_guard(io_)), buffer_size_(o.receive_buffer_size) {}

  ~asio_backend() override;

  backend_kind kind() const noexcept override { return backend_kind::asio; }

  io_handle* attach(int fd) override;
  void close(io_handle* base) noexcept override;
  bool start(io_handle* base, io_op* op) noexcept override;
  void cancel(io_handle* base, io_op* op) noexcept override;
  void release_receive_buffer(std::uint32_t id) noexcept override;
  void poll(std::optional<std::chrono::nanoseconds> timeout) override;
  void wake() noexcept override;

 private:
  // Which readiness an op waits for, and the slot it waits in.
  static bool is_write_side(op_kind k) noexcept { return k == op_kind::connect || k == op_kind::send; }

  int attempt(asio_handle* h, io_op* op) noexcept;
  int attempt_once(asio_handle* h, io_op* op) noexcept;

  // ---- accept (ops/accept.cpp) ----------------------------------------------

  int perform(asio_handle* h, accept_op&) noexcept;

  // ---- connect (ops/connect.cpp) --------------------------------------------

  static int perform(int fd, connect_op& op) noexcept;

  // ---- recv (ops/recv.cpp) --------------------------------------------------

  static int perform(int fd, recv_op& op) noexcept;

  // ---- receive (ops/receive.cpp) --------------------------------------------

  int perform(int fd, receive_op& op) noexcept;
  std::uint32_t take_buffer();

  // ---- send (ops/send.cpp) --------------------------------------------------

  static int perform(int fd, send_op& op) noexcept;

  // ---- readiness (asio_backend.cpp) --------------------------------------------

  bool wait(asio_handle* h, asio::posix::stream_descriptor::wait_type type) noexcept;
  void ready(asio_handle* h, bool write_side, const boost::system::error_code& ec);
  void finish_later(io_op* op, int res) noexcept;

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

}  // namespace coronet::detail
