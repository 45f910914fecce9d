// Per-descriptor state of the io_uring backend.
//
// A listener keeps one multishot accept in the kernel; a connection keeps at
// most one multishot receive. Their results land here and go to the waiting
// awaitable, or wait in a short queue for the next one. Each multishot
// request holds a reference on the handle until its last completion.
#pragma once

#include "../backend.hpp"
#include "core/op_fifo.hpp"

#include <cstdint>
#include <vector>

namespace coronet::detail {

// A FIFO over a vector: allocates nothing until first used (an idle
// connection holds no memory here) and reuses its storage after that.
template <class T>
class small_queue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  T& front() noexcept { return items_[head_]; }
  void push(const T& v) { items_.push_back(v); }
  T pop() noexcept {
    T v = items_[head_++];
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    }
    return v;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

struct uring_handle final : io_handle {
  using io_handle::io_handle;

  // Multishot accept.
  io_op accept_request;
  bool accept_armed = false;
  bool accept_cancelling = false;
  op_fifo accept_waiters;
  small_queue<int> accepted;   // connections nobody has taken yet
  int accept_error = 0;       // an error nobody has taken yet (positive errno)
  // Out of descriptors: an accept fails at once even with nobody waiting, so
  // the next one waits for a client first (a poll), or it would spin.
  bool accept_exhausted = false;
  bool accept_polling = false;
  io_op accept_poll;

  // Multishot receive into the provided-buffer ring.
  struct chunk {
    int res;  // bytes in buffer `id`
    std::uint32_t id;
  };
  io_op recv_request;
  bool recv_armed = false;
  bool recv_cancelling = false;
  bool recv_starved = false;  // waiting for a buffer to come back (ENOBUFS)
  io_op* recv_waiter = nullptr;
  small_queue<chunk> chunks;  // received, not yet taken
  int recv_final = 1;         // <= 0 once the stream ended (0) or failed (-errno)
};

}  // namespace coronet::detail
