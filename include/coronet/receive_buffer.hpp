// receive_buffer: bytes that receive() left in a loop-owned buffer.
//
// The buffer goes back to the loop (on io_uring: to the kernel's provided
// buffer ring) when this object is destroyed or reset, so hold it only as
// long as you need the bytes. Move-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace coronet {

namespace detail {
class loop_impl;
void release_receive_buffer(loop_impl& l, std::uint32_t id) noexcept;
}  // namespace detail

class receive_buffer {
 public:
  receive_buffer() noexcept = default;
  receive_buffer(detail::loop_impl& l, std::uint32_t id, std::byte* data, std::size_t size) noexcept
      : loop_(&l), id_(id), data_(data), size_(size) {}
  receive_buffer(receive_buffer&& o) noexcept
      : loop_(std::exchange(o.loop_, nullptr)), id_(o.id_), data_(o.data_), size_(o.size_) {}
  receive_buffer& operator=(receive_buffer&& o) noexcept {
    if (this != &o) {
      reset();
      loop_ = std::exchange(o.loop_, nullptr);
      id_ = o.id_;
      data_ = o.data_;
      size_ = o.size_;
    }
    return *this;
  }
  ~receive_buffer() { reset(); }

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void reset() noexcept {
    if (loop_) detail::release_receive_buffer(*std::exchange(loop_, nullptr), id_);
    data_ = nullptr;
    size_ = 0;
  }

 private:
  detail::loop_impl* loop_ = nullptr;
  std::uint32_t id_ = 0;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace coronet
