#include <coronet/error.hpp>
#include <coronet/loop.hpp>
#include <coronet/stream_socket.hpp>

#include "loop_impl.hpp"
#include "posix_compat.hpp"
#include "socket_util.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

// The idle time before the first keep-alive probe: TCP_KEEPIDLE on Linux and
// the BSDs, TCP_KEEPALIVE on macOS.
#if defined(TCP_KEEPIDLE)
#define CORONET_TCP_KEEPIDLE TCP_KEEPIDLE
#else
#define CORONET_TCP_KEEPIDLE TCP_KEEPALIVE
#endif

namespace coronet {

stream_socket::stream_socket(loop& l, int fd) {
  detail::set_nonblocking(fd);
  handle_ = detail::impl_of(l).io().attach(fd);
}

stream_socket::stream_socket(stream_socket&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

stream_socket& stream_socket::operator=(stream_socket&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

stream_socket stream_socket::adopt_handle(detail::io_handle* h) noexcept {
  stream_socket s;
  s.handle_ = h;
  return s;
}

result<stream_socket> stream_socket::open(loop& l, int family) {
  int fd = detail::open_stream_socket(family);
  if (fd < 0) return {errno_code(errno), {}};
  return {{}, adopt_handle(detail::impl_of(l).io().attach(fd))};
}

void stream_socket::close() noexcept {
  if (auto* h = std::exchange(handle_, nullptr)) detail::close_handle(h);
}

void stream_socket::reset() noexcept {
  if (!handle_) return;
  linger lg{1, 0};
  ::setsockopt(handle_->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close();
}

std::error_code stream_socket::shutdown() noexcept {
  if (!handle_) return errno_code(EBADF);
  if (::shutdown(handle_->fd, SHUT_WR) < 0) return errno_code(errno);
  return {};
}

int stream_socket::native_handle() const noexcept { return handle_ ? handle_->fd : -1; }
loop* stream_socket::get_loop() const noexcept { return handle_ && handle_->loop ? &handle_->loop->owner() : nullptr; }

result<endpoint> stream_socket::local_endpoint() const { return detail::local_endpoint_of(handle_); }
result<endpoint> stream_socket::remote_endpoint() const { return detail::remote_endpoint_of(handle_); }

std::error_code stream_socket::set_no_delay(bool on) noexcept {
  if (!handle_) return errno_code(EBADF);
  int v = on;
  if (::setsockopt(handle_->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0) return errno_code(errno);
  return {};
}

std::error_code stream_socket::set_keep_alive(bool on, std::chrono::seconds initial_delay) noexcept {
  if (!handle_) return errno_code(EBADF);
  int v = on;
  if (::setsockopt(handle_->fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) < 0) return errno_code(errno);
  if (on && initial_delay.count() > 0) {
    int secs = static_cast<int>(std::max<long long>(1, initial_delay.count()));
    if (::setsockopt(handle_->fd, IPPROTO_TCP, CORONET_TCP_KEEPIDLE, &secs, sizeof secs) < 0) return errno_code(errno);
  }
  return {};
}

void stream_socket::ref() noexcept {
  if (handle_) detail::set_handle_ref(handle_, true);
}
void stream_socket::unref() noexcept {
  if (handle_) detail::set_handle_ref(handle_, false);
}
bool stream_socket::has_ref() const noexcept { return handle_ && handle_->referenced; }

// ---- awaitables ----------------------------------------------------------

stream_socket::connect_awaitable stream_socket::connect(const endpoint& to, std::stop_token stop) {
  return {handle_, to, std::move(stop)};
}

stream_socket::connect_awaitable::connect_awaitable(detail::io_handle* h, const endpoint& to,
                                                    std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop)), to_(to) {
  op_.addr = to_.data();
  op_.addrlen = to_.size();
}

stream_socket::read_awaitable stream_socket::read_some(std::span<std::byte> into, std::stop_token stop) {
  return {handle_, into, std::move(stop)};
}

stream_socket::read_awaitable::read_awaitable(detail::io_handle* h, std::span<std::byte> into,
                                              std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop)) {
  op_.buf = into.data();
  op_.len = into.size();
}

result<std::size_t> stream_socket::read_awaitable::await_resume() const noexcept {
  if (op_.res < 0) return {error(), 0};
  return {{}, static_cast<std::size_t>(op_.res)};
}

stream_socket::receive_awaitable stream_socket::receive(std::stop_token stop) { return {handle_, std::move(stop)}; }

stream_socket::receive_awaitable::receive_awaitable(detail::io_handle* h, std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop)) {}

result<receive_buffer> stream_socket::receive_awaitable::await_resume() noexcept {
  if (op_.res < 0) return {error(), {}};
  if (op_.res == 0) return {};  // end of stream: no buffer is held
  // The backend handed the buffer's address with the result.
  return {{}, receive_buffer(*owner_loop(), op_.buffer_id, op_.data, static_cast<std::size_t>(op_.res))};
}

stream_socket::write_awaitable stream_socket::write_all(const_buffer bytes, std::stop_token stop) {
  return {handle_, bytes, std::move(stop)};
}

stream_socket::write_awaitable stream_socket::write_all(std::span<const const_buffer> buffers, std::stop_token stop) {
  return {handle_, buffers, std::move(stop)};
}

stream_socket::write_awaitable::write_awaitable(detail::io_handle* h, const_buffer bytes, std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop), &advance), single_(bytes) {
  buffers_ = std::span<const const_buffer>(&single_, 1);
  fill_iov();
}

stream_socket::write_awaitable::write_awaitable(detail::io_handle* h, std::span<const const_buffer> buffers,
                                                std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop), &advance), buffers_(buffers) {
  fill_iov();
}

void stream_socket::write_awaitable::fill_iov() noexcept {
  std::size_t n = 0;
  while (next_ < buffers_.size() && n < max_iov) {
    const auto& b = buffers_[next_++];
    if (b.empty()) continue;
    iov_[n].iov_base = const_cast<std::byte*>(b.data());
    iov_[n].iov_len = b.size();
    ++n;
  }
  msg_ = {};
  msg_.msg_iov = iov_;
  msg_.msg_iovlen = n;
  op_.msg = &msg_;
}

bool stream_socket::write_awaitable::advance(detail::io_awaitable_base* base) noexcept {
  auto* self = static_cast<write_awaitable*>(base);
  auto n = static_cast<std::size_t>(self->op_.res);
  self->written_ += n;
  // Drop the iovecs that went out whole; trim the one that went out in part.
  auto& msg = self->msg_;
  std::size_t i = 0;
  while (i < msg.msg_iovlen && n >= msg.msg_iov[i].iov_len) n -= msg.msg_iov[i++].iov_len;
  if (i < msg.msg_iovlen) {
    msg.msg_iov[i].iov_base = static_cast<char*>(msg.msg_iov[i].iov_base) + n;
    msg.msg_iov[i].iov_len -= n;
    msg.msg_iov += i;
    msg.msg_iovlen -= i;
    return false;
  }
  if (self->next_ < self->buffers_.size()) {
    self->fill_iov();
    return self->msg_.msg_iovlen == 0;
  }
  return true;
}

result<std::size_t> stream_socket::write_awaitable::await_resume() const noexcept {
  if (op_.res < 0) return {error(), written_};
  return {{}, written_};
}

task<result<stream_socket>> connect(loop& l, endpoint to, std::stop_token stop) {
  auto s = stream_socket::open(l, to.family());
  if (!s) co_return s;
  if (auto ec = co_await s->connect(to, std::move(stop))) co_return {ec, {}};
  co_return s;
}

}  // namespace coronet
