// net::server: Node's net.Server over coronet's coroutine core.
//
//     auto srv = net::create_server(l, {}, [](net::socket& s) { s.pipe(s.shared_from_this()); });
//     srv->listen(8124, "127.0.0.1", [] { std::puts("bound"); });
//
// Held by std::shared_ptr; while listening it also holds itself, so a
// listening server lives until it closes.
#pragma once

#include <coronet/events/event_emitter.hpp>
#include <coronet/keep_alive.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/task.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace coronet::net {

class block_list;

struct server_options {
  bool allow_half_open = false;
  std::size_t high_water_mark = 64 * 1024;  // Node 26's writable default
  bool pause_on_connect = false;
  bool no_delay = false;
  bool keep_alive = false;
  unsigned keep_alive_initial_delay = 0;  // milliseconds
  const ::coronet::net::block_list* block_list = nullptr;
};

class bound_socket;

struct server_listen_options {
  bound_socket* handle = nullptr;  // adopt a pre-bound socket (host, port and path are ignored)
  std::optional<int> port{};       // TCP; 0 picks a free port
  std::string host{};              // empty: [::] with IPv4 too, or 0.0.0.0 without IPv6
  std::string path{};              // IPC: a filesystem path, or "\0name" (abstract)
  int backlog = 511;
  bool exclusive = false;
  bool reuse_port = false;
  bool ipv6_only = false;
  bool readable_all = false;  // IPC: chmod the socket file readable by all
  bool writable_all = false;  // IPC: ... writable by all
  std::stop_token signal{};   // a stop request closes the server
};

// The `drop` event's argument: a connection refused for max_connections.
struct drop_info {
  std::string local_address{};
  int local_port = 0;
  std::string local_family{};
  std::string remote_address{};
  int remote_port = 0;
  std::string remote_family{};
};

using server_events =
    event_emitter<event<"close", void()>, event<"connection", void(socket&)>, event<"error", void(const error_info&)>,
                  event<"listening", void()>, event<"drop", void(const drop_info&)>>;

class server : public server_events, public std::enable_shared_from_this<server> {
 protected:
  struct private_tag {};

 public:
  server(private_tag, loop& l, server_options options);
  virtual ~server();

  static std::shared_ptr<server> create(loop& l, server_options options = {},
                                        std::function<void(socket&)> on_connection = {});

  // Node's listen forms. Errors (EADDRINUSE, EACCES, ...) arrive as an
  // `error` event, after which listen may be called again; listening twice
  // throws ERR_SERVER_ALREADY_LISTEN.
  // listen(): any free port on [::] (or 0.0.0.0), bound at once.
  server& listen(std::function<void()> on_listening = {});
  // Options with neither port nor path (nor handle) throw ERR_INVALID_ARG_VALUE.
  // With a host (even an IP), binding waits for the next turn as Node's
  // lookup does: until `listening`, listening() is false and address() empty.
  server& listen(server_listen_options options, std::function<void()> on_listening = {});
  server& listen(int port, std::string host = {}, int backlog = 511, std::function<void()> on_listening = {});
  server& listen(int port, std::function<void()> on_listening);
  // (A template so that a braced options list never picks this overload.)
  template <class Path>
  requires std::is_convertible_v<const Path&, std::string_view> server& listen(
      const Path& path, std::function<void()> on_listening = {}) {
    return listen_path(std::string(std::string_view(path)), std::move(on_listening));
  }

  // Stops accepting at once (a new connection is refused; listen() may be
  // called again straight away); `close` follows once every connection has
  // closed. The callback is a `close` listener (once), so it runs in order
  // with the others; it gets ERR_SERVER_NOT_RUNNING when not listening.
  server& close(std::function<void(const error_info*)> on_close = {});

  server_address address() const;
  void get_connections(const std::function<void(const error_info*, std::size_t)>& cb) const;
  std::size_t connections() const noexcept { return connections_; }
  bool listening() const noexcept { return listening_; }

  // 0 drops every connection; unset (the default) accepts all.
  std::optional<std::size_t> max_connections{};
  // Node's dropMaxConnection only matters in cluster mode, which coronet
  // does not have: past max_connections a connection is always dropped.
  bool drop_max_connection = false;

  server& ref();
  server& unref();
  loop& get_loop() const noexcept { return loop_; }

 protected:
  // The socket an accepted connection becomes (tls::server makes a
  // tls::socket); the server adopts the connection into it.
  virtual std::shared_ptr<socket> make_socket(socket_options options);

 private:
  server& listen_path(std::string path, std::function<void()> on_listening);
  void bind_and_listen(const endpoint& at, const server_listen_options& o, std::string host_text);
  void fail_listen(error_info e);
  void listen_adopted(bound_socket& bound, const server_listen_options& o);
  void start_listening();
  void listen_now(const server_listen_options& o);
  task<void> accept_task(std::shared_ptr<server> self);
  void take(stream_socket s);
  void maybe_closed();

  loop& loop_;
  server_options options_;
  listener listener_;
  bool listening_ = false;
  bool closing_ = false;
  bool referenced_ = true;
  bool binding_ = false;     // listen() called, not yet listening or failed
  unsigned generation_ = 0;  // one per listen: an old accept loop winding down stops
  std::string unix_path_{};  // a filesystem path we created and must unlink
  std::string pipe_name_{};  // what address() reports for IPC
  std::size_t connections_ = 0;
  std::shared_ptr<server> self_{};  // while listening or closing
  keep_alive hold_;
  std::optional<std::stop_callback<std::function<void()>>> signal_watch_;
};

std::shared_ptr<server> create_server(loop& l, server_options options = {},
                                      std::function<void(socket&)> on_connection = {});
std::shared_ptr<server> create_server(loop& l, std::function<void(socket&)> on_connection);

}  // namespace coronet::net
