// Asio receive: recv into a loop buffer taken from a small pool; the op is
// handed the buffer's id and address with the byte count.
#include "asio/asio_backend.hpp"

#include <sys/socket.h>

namespace coronet::detail {

void asio_backend::release_receive_buffer(std::uint32_t id) noexcept {
  // A burst may have needed many buffers at once; past a few, give the
  // memory back so idle connections cost nothing here.
  if (free_.size() >= max_spare_buffers) {
    buffers_[id].reset();
    empty_slots_.push_back(id);
    return;
  }
  free_.push_back(id);
}

int asio_backend::perform(int fd, receive_op& op) noexcept {
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

std::uint32_t asio_backend::take_buffer() {
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

}  // namespace coronet::detail
