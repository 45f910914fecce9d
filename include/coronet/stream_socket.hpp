// stream_socket: a connected TCP or Unix stream socket, with co_await-able
// connect, read, receive and write.
//
// Every operation takes an optional std::stop_token; a stop request makes a
// pending operation complete with ECANCELED (after the kernel has let go of
// its buffers). The waiting coroutine never resumes inside request_stop():
// the completion arrives in a later loop turn, so requesting a stop from a
// callback is safe. Results carry std::error_code, never exceptions. Writes use
// MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
//
// One read-side operation (read_some or receive) and one write-side
// operation (write_all or connect) may be pending at a time.
#pragma once

#include <coronet/detail/io_awaitable.hpp>
#include <coronet/detail/ops/connect_op.hpp>
#include <coronet/detail/ops/receive_op.hpp>
#include <coronet/detail/ops/recv_op.hpp>
#include <coronet/detail/ops/send_op.hpp>
#include <coronet/endpoint.hpp>
#include <coronet/receive_buffer.hpp>
#include <coronet/result.hpp>
#include <coronet/task.hpp>

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <stop_token>

namespace coronet {

class loop;

using const_buffer = std::span<const std::byte>;

class stream_socket {
 public:
  stream_socket() noexcept = default;
  // Adopts a connected (or unconnected) stream socket descriptor and makes it
  // non-blocking.
  stream_socket(loop& l, int fd);
  stream_socket(stream_socket&& other) noexcept;
  stream_socket& operator=(stream_socket&& other) noexcept;
  ~stream_socket() { close(); }

  // A new unconnected socket of the family (AF_INET, AF_INET6, AF_UNIX).
  static result<stream_socket> open(loop& l, int family);

  // co_await: std::error_code (ECONNREFUSED, ENOENT for a missing Unix
  // path, ECANCELED, ...).
  class connect_awaitable;
  connect_awaitable connect(const endpoint& to, std::stop_token stop = {});

  // co_await: result<size_t>; 0 bytes means the peer ended its side.
  class read_awaitable;
  read_awaitable read_some(std::span<std::byte> into, std::stop_token stop = {});

  // co_await: result<receive_buffer>, bytes in a loop-owned buffer (io_uring:
  // multishot receive into the provided-buffer ring); an empty buffer means
  // the peer ended its side. The connection holds no buffer while idle.
  class receive_awaitable;
  receive_awaitable receive(std::stop_token stop = {});

  // co_await: result<size_t>, all the bytes written (or the error, with the
  // count written before it). Many buffers leave in one gathered system call.
  class write_awaitable;
  write_awaitable write_all(const_buffer bytes, std::stop_token stop = {});
  write_awaitable write_all(std::span<const const_buffer> buffers, std::stop_token stop = {});

  // Ends the write side (FIN); reading goes on.
  std::error_code shutdown() noexcept;
  // Cancels pending operations (they complete with ECANCELED) and closes the
  // descriptor. Idempotent.
  void close() noexcept;
  // Aborts the connection with RST (SO_LINGER 0) and closes it.
  void reset() noexcept;

  bool is_open() const noexcept { return handle_ != nullptr; }
  int native_handle() const noexcept;
  loop* get_loop() const noexcept;
  result<endpoint> local_endpoint() const;
  result<endpoint> remote_endpoint() const;

  std::error_code set_no_delay(bool on) noexcept;
  std::error_code set_keep_alive(bool on, std::chrono::seconds initial_delay = {}) noexcept;
  // TCP_KEEPINTVL and TCP_KEEPCNT; a zero leaves the system's value.
  std::error_code set_keep_alive_probes(std::chrono::seconds interval, int count) noexcept;
  // IP_TOS, or IPV6_TCLASS on IPv6 (and IP_TOS too, for a dual-stack
  // socket talking to an IPv4 peer).
  std::error_code set_type_of_service(int tos) noexcept;
  result<int> type_of_service() const noexcept;

  // Binds before connect (a local address or port to connect from).
  std::error_code bind(const endpoint& at) noexcept;
  // Hands the kernel what it takes now, without waiting: the count, 0 when
  // its buffer is full. For a last flush outside any coroutine (a socket
  // being destroyed with bytes queued); coroutines use write_all.
  result<std::size_t> try_write(const_buffer bytes) noexcept;

  // A referenced socket's pending operations keep loop::run() going.
  void ref() noexcept;
  void unref() noexcept;
  bool has_ref() const noexcept;

  // Gives up the handle without closing (used by listener::accept).
  static stream_socket adopt_handle(detail::io_handle* h) noexcept;

 private:
  detail::io_handle* handle_ = nullptr;
};

class stream_socket::connect_awaitable : public detail::io_awaitable<detail::connect_op> {
 public:
  connect_awaitable(detail::io_handle* h, const endpoint& to, std::stop_token stop) noexcept;
  std::error_code await_resume() const noexcept { return error(); }

 private:
  endpoint to_;
};

class stream_socket::read_awaitable : public detail::io_awaitable<detail::recv_op> {
 public:
  read_awaitable(detail::io_handle* h, std::span<std::byte> into, std::stop_token stop) noexcept;
  result<std::size_t> await_resume() const noexcept;
};

class stream_socket::receive_awaitable : public detail::io_awaitable<detail::receive_op> {
 public:
  receive_awaitable(detail::io_handle* h, std::stop_token stop) noexcept;
  result<receive_buffer> await_resume() noexcept;
};

class stream_socket::write_awaitable : public detail::io_awaitable<detail::send_op> {
 public:
  write_awaitable(detail::io_handle* h, std::span<const const_buffer> buffers, std::stop_token stop) noexcept;
  write_awaitable(detail::io_handle* h, const_buffer bytes, std::stop_token stop) noexcept;
  result<std::size_t> await_resume() const noexcept;

 private:
  // Buffers per system call. The array lives in every coroutine frame that
  // awaits a write, idle or not, so it is kept small: 8 buffers cover the
  // usual header + body + trailer gathers; more take one call per 8.
  static constexpr std::size_t max_iov = 8;
  static bool advance(detail::io_awaitable_base* self) noexcept;
  void fill_iov() noexcept;

  const_buffer single_;
  std::span<const const_buffer> buffers_;
  std::size_t next_ = 0;     // first buffer not yet in iov_
  std::size_t written_ = 0;  // total bytes written so far
  msghdr msg_{};
  iovec iov_[max_iov];
};

// Opens a socket of the endpoint's family and connects it.
task<result<stream_socket>> connect(loop& l, endpoint to, std::stop_token stop = {});

}  // namespace coronet
