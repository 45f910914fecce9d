// listener: a bound, listening TCP or Unix stream socket that accepts
// connections (io_uring: one multishot accept serves every accept()).
#pragma once

#include <coronet/detail/io_awaitable.hpp>
#include <coronet/detail/ops/accept_op.hpp>
#include <coronet/endpoint.hpp>
#include <coronet/result.hpp>
#include <coronet/stream_socket.hpp>

#include <stop_token>

namespace coronet {

class loop;

struct listen_options {
  int backlog = 511;          // Node's default
  bool reuse_address = true;  // SO_REUSEADDR (TCP)
  bool reuse_port = false;    // SO_REUSEPORT: one listener per loop/thread
  bool ipv6_only = false;     // IPV6_V6ONLY; false: [::] takes IPv4 too
  // A Unix socket's file (not an abstract name): permission bits added once
  // it is bound, before it listens. Node's readableAll is 0444, writableAll
  // 0222; connecting needs write permission.
  unsigned add_file_permissions = 0;
};

class listener {
 public:
  listener() noexcept = default;
  listener(listener&& other) noexcept;
  listener& operator=(listener&& other) noexcept;
  ~listener() { close(); }

  // Binds and listens. EADDRINUSE, EACCES, ENAMETOOLONG, ... in `ec`.
  static result<listener> listen(loop& l, const endpoint& at, listen_options options = {});
  // Listens on a bound socket (open_bound_socket in <coronet/descriptor.hpp>,
  // or one handed in) and adopts it; on failure the descriptor is closed.
  static result<listener> listen_bound(loop& l, int fd, int backlog = 511);
  // Adopts a listening descriptor.
  static result<listener> adopt(loop& l, int fd);

  // co_await: result<stream_socket>. ECANCELED when stopped or when the
  // listener closes while waiting; EBADF after close().
  //
  // EMFILE or ENFILE: the process (or system) is out of descriptors. Before
  // reporting it the listener has accepted and closed every connection then
  // waiting, using a spare descriptor its loop keeps for this (libuv's
  // trick), so the next accept() waits for a new client instead of failing
  // again at once: retrying at once does not spin. Each connection that
  // arrives while descriptors stay short is dropped the same way, with one
  // more EMFILE; the first accept that succeeds ends the episode (net::server
  // reports one `error` per episode).
  class accept_awaitable;
  accept_awaitable accept(std::stop_token stop = {});

  // Cancels pending accepts, closes the descriptor and any connection the
  // kernel accepted that nobody took. Does not unlink a Unix socket path.
  void close() noexcept;

  bool is_open() const noexcept { return handle_ != nullptr; }
  int native_handle() const noexcept;
  result<endpoint> local_endpoint() const;
  void ref() noexcept;
  void unref() noexcept;

 private:
  detail::io_handle* handle_ = nullptr;
};

class listener::accept_awaitable : public detail::io_awaitable<detail::accept_op> {
 public:
  accept_awaitable(detail::io_handle* h, std::stop_token stop) noexcept;
  result<stream_socket> await_resume() noexcept;
};

}  // namespace coronet
