// The io_uring backend's class, shared by its files: uring_backend.cpp (the
// ring, submission, completion and the dispatch by op kind) and one file per
// operation in ops/ (accept.cpp and receive.cpp, served by a request the
// handle owns; connect.cpp, recv.cpp and send.cpp, which prepare a request
// of the op's own).
#pragma once

#include "core/loop_impl.hpp"
#include "uring_handle.hpp"

#include <coronet/detail/ops/accept_op.hpp>
#include <coronet/detail/ops/connect_op.hpp>
#include <coronet/detail/ops/receive_op.hpp>
#include <coronet/detail/ops/recv_op.hpp>
#include <coronet/detail/ops/send_op.hpp>

#include <liburing.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace coronet::detail {

class uring_backend final : public backend {
 public:
  uring_backend(loop_impl& l, const loop_options& o);

  ~uring_backend() override { teardown(); }

  backend_kind kind() const noexcept override { return backend_kind::uring; }

  io_handle* attach(int fd) override { return new uring_handle(loop_, fd); }

  void close(io_handle* base) noexcept override;
  bool start(io_handle* base, io_op* op) noexcept override;
  void cancel(io_handle* base, io_op* op) noexcept override;
  void release_receive_buffer(std::uint32_t id) noexcept override;
  void poll(std::optional<std::chrono::nanoseconds> timeout) override;
  void wake() noexcept override;

 private:
  // ---- setup -------------------------------------------------------------

  void setup_buffers(unsigned count, unsigned size);
  void setup_wakeup();
  void arm_wakeup() noexcept;

  // The wakeup read is named by its counter's address: 8-aligned, so never
  // a tagged handle request, and never an op's address.
  std::uint64_t wake_user_data() const noexcept { return reinterpret_cast<std::uintptr_t>(&wake_count_); }

  void teardown() noexcept;

  // ---- submission ----------------------------------------------------------

  io_uring_sqe* get_sqe() noexcept;
  void submit_request(uring_handle* h, io_op* op, bool poll_first) noexcept;
  bool continued(io_op* op, int res) noexcept;
  void cancel_request(std::uint64_t target) noexcept;
  void finish_later(io_op* op, int res) noexcept;

  // ---- completion ----------------------------------------------------------

  void reap(bool dispatch = true) noexcept;
  void handle_completed(uring_handle* h, handle_request r, int res, std::uint32_t flags, bool dispatch) noexcept;

  // ---- accept (ops/accept.cpp) ------------------------------------------------

  bool start_accept(uring_handle* h, accept_op& op) noexcept;
  void cancel_accept(uring_handle* h, accept_op& op) noexcept;
  void arm_accept(uring_handle* h) noexcept;
  void arm_accept_poll(uring_handle* h) noexcept;
  void accept_poll_completed(uring_handle* h) noexcept;
  void accept_completed(uring_handle* h, int res, std::uint32_t flags) noexcept;

  // ---- receive (ops/receive.cpp) ----------------------------------------------

  bool start_receive(uring_handle* h, receive_op& op) noexcept;
  void cancel_receive(uring_handle* h, receive_op& op) noexcept;
  void hand_over(receive_op& op, uring_handle::chunk c) noexcept;
  void arm_receive(uring_handle* h) noexcept;
  void starve(uring_handle* h) noexcept;
  void receive_completed(uring_handle* h, int res, std::uint32_t flags) noexcept;

  // ---- connect, recv, send: one kernel request each (ops/*.cpp) -------------

  static void prepare(io_uring_sqe* sqe, int fd, const connect_op& op) noexcept;
  static void prepare(io_uring_sqe* sqe, int fd, const recv_op& op) noexcept;
  static void prepare(io_uring_sqe* sqe, int fd, const send_op& op) noexcept;

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

  static constexpr int buffer_group = 0;
  // Undelivered results a connection or listener may pile up before its
  // multishot request is cancelled (the kernel then keeps the backpressure).
  static constexpr std::size_t max_queued_chunks = 8;
  static constexpr std::size_t max_queued_accepts = 64;
  // io_op::backend_flags of a pending connect, recv or send: cancel() was asked.
  static constexpr std::uint8_t cancel_requested = 1;
};

}  // namespace coronet::detail
