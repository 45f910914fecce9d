// Per-descriptor state of the io_uring backend.
//
// A listener keeps one multishot accept in the kernel; a connection keeps at
// most one multishot receive. Their results land here and go to the waiting
// awaitable, or wait in a short queue for the next one. Each multishot
// request holds a reference on the handle until its last completion.
//
// Every connection holds one of these for its whole life, idle or not, so it
// is kept small: the kernel requests the handle owns name it through a tagged
// user_data (no io_op per request), and what only listeners need lives behind
// one pointer, allocated by the first accept.
#pragma once

#include "../backend.hpp"
#include "core/op_fifo.hpp"

#include <coronet/detail/ops/receive_op.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>

namespace coronet::detail {

// A FIFO in a ring that doubles when full: allocates nothing until first
// used (an idle connection holds no memory here) and reuses its storage after
// that. `Index` bounds the length; a connection's receive queue, which can
// never hold more than the loop's receive buffers (at most 32768), takes 16
// bits so that the whole queue costs an idle connection 16 bytes.
template <class T, class Index = std::uint32_t>
class small_queue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  T& front() noexcept { return items_[head_]; }
  void push(const T& v) {
    if (size_ == capacity_) grow();
    items_[(head_ + size_) % capacity_] = v;
    ++size_;
  }
  T pop() noexcept {
    T v = items_[head_];
    head_ = static_cast<Index>((head_ + 1) % capacity_);
    --size_;
    return v;
  }

 private:
  void grow() {
    const std::size_t cap = capacity_ ? 2 * std::size_t{capacity_} : 4;
    if (cap > std::numeric_limits<Index>::max()) throw std::length_error("small_queue");
    auto bigger = std::make_unique<T[]>(cap);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = items_[(head_ + i) % capacity_];
    items_ = std::move(bigger);
    head_ = 0;
    capacity_ = static_cast<Index>(cap);
  }

  std::unique_ptr<T[]> items_;
  Index head_ = 0;
  Index size_ = 0;
  Index capacity_ = 0;
};

// Multishot accept: a listener's state, allocated when it first accepts.
struct accept_state {
  bool armed = false;
  bool cancelling = false;
  // Out of descriptors: an accept fails at once even with nobody waiting, so
  // the next one waits for a client first (a poll), or it would spin.
  bool exhausted = false;
  bool polling = false;
  int error = 0;  // an error nobody has taken yet (positive errno)
  op_fifo waiters;
  small_queue<int> accepted;  // connections nobody has taken yet
};

struct uring_handle final : io_handle {
  using io_handle::io_handle;

  std::unique_ptr<accept_state> accept;  // null until the first accept

  // Multishot receive into the provided-buffer ring.
  struct chunk {
    int res;  // bytes in buffer `id`
    std::uint32_t id;
  };
  bool recv_armed = false;
  bool recv_cancelling = false;
  bool recv_starved = false;  // waiting for a buffer to come back (ENOBUFS)
  int recv_final = 1;         // <= 0 once the stream ended (0) or failed (-errno)
  receive_op* recv_waiter = nullptr;
  small_queue<chunk, std::uint16_t> chunks;  // received, not yet taken
};

// What a kernel request's user_data names. A request an awaitable started
// carries its io_op's address, whose low bits are zero; a request the handle
// owns carries the handle's address with one of these tags in the low bits.
// (The backend's own wakeup read carries the address of its counter.)
enum class handle_request : std::uint64_t { accept = 1, accept_poll = 2, receive = 3 };
constexpr std::uint64_t handle_request_mask = 3;
static_assert(alignof(uring_handle) > handle_request_mask && alignof(io_op) > handle_request_mask);

inline std::uint64_t user_data_of(uring_handle* h, handle_request r) noexcept {
  return reinterpret_cast<std::uintptr_t>(h) | static_cast<std::uint64_t>(r);
}

}  // namespace coronet::detail
