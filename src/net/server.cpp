#include <coronet/descriptor.hpp>
#include <coronet/error.hpp>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/bound_socket.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/spawn.hpp>

#include "address/family_name.hpp"
#include "lookup.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>

namespace coronet::net {

namespace {
// Node's readableAll / writableAll on a Unix socket's file.
unsigned file_permissions(const server_listen_options& o) {
  return (o.readable_all ? 0444u : 0u) | (o.writable_all ? 0222u : 0u);
}

// Node's uvExceptionWithHostPort: "listen EADDRINUSE: address already in use 127.0.0.1:80".
error_info listen_error(std::error_code ec, std::string_view address, std::optional<int> port) {
  error_info e = error_info::system(ec, "listen", address, port);
  std::string text = ec.message();
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  e.message = "listen " + e.code + ": " + text;
  if (port && *port > 0) {
    e.message += ' ' + std::string(address) + ':' + std::to_string(*port);
  } else if (!address.empty()) {
    e.message += ' ' + std::string(address);
  }
  return e;
}

using detail::family_name;

// util.inspect of a string: 'text', control characters as \n or \x00.
std::string inspect_text(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + '\'';
}

// util.inspect of the listen options that were set, for Node's messages:
// { host: '127.0.0.1' }, { path: '\x00name', readableAll: true }.
std::string inspect_options(const server_listen_options& o) {
  std::vector<std::string> fields;
  if (o.port) fields.push_back("port: " + std::to_string(*o.port));
  if (!o.host.empty()) fields.push_back("host: " + inspect_text(o.host));
  if (!o.path.empty()) fields.push_back("path: " + inspect_text(o.path));
  if (o.backlog != 511) fields.push_back("backlog: " + std::to_string(o.backlog));
  if (o.exclusive) fields.push_back("exclusive: true");
  if (o.ipv6_only) fields.push_back("ipv6Only: true");
  if (o.reuse_port) fields.push_back("reusePort: true");
  if (o.readable_all) fields.push_back("readableAll: true");
  if (o.writable_all) fields.push_back("writableAll: true");
  if (fields.empty()) return "{}";
  std::string out = "{ ";
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out + " }";
}
}  // namespace

server::server(private_tag, loop& l, server_options options) : loop_(l), options_(options) {
  set_unhandled_error_handler([this](const error_info& e) {
    loop_.report_exception(std::make_exception_ptr(std::system_error(e.ec, e.message)));
  });
}

server::~server() = default;

std::shared_ptr<socket> server::make_socket(socket_options options) {
  return socket::create(loop_, std::move(options));
}

std::shared_ptr<server> server::create(loop& l, server_options options, std::function<void(socket&)> on_connection) {
  auto s = std::make_shared<server>(private_tag{}, l, options);
  if (on_connection) s->on<"connection">(std::move(on_connection));
  return s;
}

std::shared_ptr<server> create_server(loop& l, server_options options, std::function<void(socket&)> on_connection) {
  return server::create(l, options, std::move(on_connection));
}

std::shared_ptr<server> create_server(loop& l, std::function<void(socket&)> on_connection) {
  return server::create(l, {}, std::move(on_connection));
}

// ---- listen ----------------------------------------------------------------

server& server::listen(int port, std::string host, int backlog, std::function<void()> on_listening) {
  return listen(server_listen_options{.port = port, .host = std::move(host), .backlog = backlog},
                std::move(on_listening));
}

server& server::listen(int port, std::function<void()> on_listening) {
  return listen(server_listen_options{.port = port}, std::move(on_listening));
}

server& server::listen_path(std::string path, std::function<void()> on_listening) {
  return listen(server_listen_options{.path = std::move(path)}, std::move(on_listening));
}

server& server::listen(std::function<void()> on_listening) {
  return listen(server_listen_options{.port = 0}, std::move(on_listening));
}

server& server::listen(server_listen_options o, std::function<void()> on_listening) {
  if (listening_ || binding_)
    throw error(errc::ERR_SERVER_ALREADY_LISTEN, "Listen method has been called more than once without closing.");
  if (!o.handle && o.path.empty() && !o.port)
    throw error(errc::ERR_INVALID_ARG_VALUE,
                "The argument 'options' must have the property \"port\" or \"path\". "
                "Received " +
                    inspect_options(o));
  if (!o.path.empty() && o.path.front() == '\0' && (o.readable_all || o.writable_all))
    throw error(errc::ERR_INVALID_ARG_VALUE,  // (sic: Node's message has the typo)
                "The argument 'options' can not set readableAll or writableAllt to true when path is abstract "
                "unix socket. Received " +
                    inspect_options(o));
  if (o.port && (*o.port < 0 || *o.port > 65535))
    throw error(errc::ERR_SOCKET_BAD_PORT,
                "options.port should be >= 0 and < 65536. Received type number (" + std::to_string(*o.port) + ").");
  if (o.host.find('\0') != std::string::npos)  // every C API below would cut it off there
    throw error(errc::ERR_INVALID_IP_ADDRESS,
                "Invalid IP address: " + o.host.substr(0, o.host.find('\0')) + "\\u0000...");
  if (on_listening) once<"listening">([cb = std::move(on_listening)] { cb(); });
  binding_ = true;
  if (o.signal.stop_possible()) {
    auto w = weak_from_this();
    signal_watch_.emplace(o.signal, std::function<void()>([w] {
                            if (auto self = w.lock())
                              self->get_loop().post([self] {
                                if (self->listening_) self->close();
                              });
                          }));
  }

  if (!o.handle && o.path.empty() && !o.host.empty()) {
    // Node looks the host up first, even an IP: the bind comes a turn later.
    // close() before then cancels it, as in Node (the generation moves on).
    loop_.post([self = shared_from_this(), o = std::move(o), generation = generation_] {
      if (self->binding_ && self->generation_ == generation) self->listen_now(o);
    });
    return *this;
  }
  listen_now(o);
  return *this;
}

void server::listen_now(const server_listen_options& o) {
  if (o.signal.stop_requested()) {  // aborted before the bind: never listen
    binding_ = false;
    return;
  }
  if (o.handle) {
    listen_adopted(*o.handle, o);
    return;
  }
  if (!o.path.empty()) {
    auto at = endpoint::unix_path(o.path);
    if (!at) {
      fail_listen(listen_error(at.ec, o.path, std::nullopt));
      return;
    }
    bind_and_listen(*at, o, o.path);
    return;
  }
  if (o.host.empty()) {
    // Node: [::] with IPv4 too where IPv6 exists, else 0.0.0.0.
    auto probe = stream_socket::open(loop_, AF_INET6);
    bool v6 = bool(probe);
    bind_and_listen(endpoint::any(v6 ? AF_INET6 : AF_INET, static_cast<std::uint16_t>(*o.port)), o,
                    v6 ? "::" : "0.0.0.0");
    return;
  }
  if (is_ip(o.host)) {
    bind_and_listen(*endpoint::ip(o.host, static_cast<std::uint16_t>(*o.port)), o, o.host);
    return;
  }
  auto self = shared_from_this();
  detail::resolve(loop_, o.host, 0, 0,
                  [self, o, generation = generation_](const error_info* err, std::vector<detail::resolved> found) {
                    if (!self->binding_ || self->generation_ != generation) return;  // closed meanwhile
                    if (err) return self->fail_listen(*err);
                    self->bind_and_listen(*endpoint::ip(found.front().address, static_cast<std::uint16_t>(*o.port)), o,
                                          found.front().address);
                  });
}

void server::bind_and_listen(const endpoint& at, const server_listen_options& o, std::string host_text) {
  auto made = listener::listen(loop_, at,
                               {.backlog = o.backlog,
                                .reuse_address = true,
                                .reuse_port = o.reuse_port,
                                .ipv6_only = o.ipv6_only,
                                .add_file_permissions = file_permissions(o)});
  if (!made) {
    fail_listen(listen_error(made.ec, host_text, at.is_unix() ? std::nullopt : std::optional<int>(at.port())));
    return;
  }
  listener_ = std::move(made.value);
  if (at.is_unix()) {
    pipe_name_ = host_text;
    if (!at.is_abstract()) unix_path_ = host_text;
  }
  start_listening();
}

void server::listen_adopted(bound_socket& bound, const server_listen_options& o) {
  const std::string path = bound.path();
  auto adopted = listener::listen_bound(loop_, bound.adopt(), o.backlog);
  if (!adopted) {
    fail_listen(listen_error(adopted.ec, path, std::nullopt));
    return;
  }
  listener_ = std::move(adopted.value);
  if (!path.empty()) {
    pipe_name_ = path;
    if (path.front() != '\0') unix_path_ = path;
  }
  start_listening();
}

void server::start_listening() {
  binding_ = false;
  listening_ = true;
  closing_ = false;
  ++generation_;
  self_ = shared_from_this();
  // A loop destroyed while we listen closes us first (loop.hpp): the Unix
  // path is removed and `close` is emitted inside the loop's final drain.
  loop_.on_drain(self_, [](void* p) noexcept {
    auto* self = static_cast<server*>(p);
    if (self->listening_) self->close();
  });
  if (referenced_)
    hold_ = keep_alive(loop_);
  else
    listener_.unref();
  spawn(loop_, accept_task(self_));
  loop_.post([self = self_, generation = generation_] {
    if (self->listening_ && self->generation_ == generation) self->emit<"listening">();
  });
}

void server::fail_listen(error_info e) {
  binding_ = false;
  // As in Node, the error arrives asynchronously and listen may be retried.
  loop_.post([self = shared_from_this(), e = std::move(e)] { self->emit<"error">(e); });
}

// ---- accepting -------------------------------------------------------------

task<void> server::accept_task(std::shared_ptr<server> /*keeps us alive*/) {
  // After close() a new listen() may run while this loop's accept is still
  // being cancelled; the generation tells this loop it is no longer the one.
  const unsigned generation = generation_;
  // Out of descriptors (EMFILE, ENFILE) is one episode until an accept
  // succeeds again: one `error` for it, not one per refused client. The
  // listener has dropped the waiting clients, so accepting on does not spin.
  bool out_of_descriptors = false;
  while (listening_ && generation == generation_) {
    auto [ec, s] = co_await listener_.accept();
    if (!listening_ || generation != generation_) break;
    if (ec) {
      if (ec == std::errc::operation_canceled || ec == std::errc::bad_file_descriptor) break;
      const bool exhausted = ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system;
      if (exhausted && std::exchange(out_of_descriptors, true)) continue;
      emit<"error">(error_info::system(ec, "accept"));
      continue;
    }
    out_of_descriptors = false;
    take(std::move(s));
  }
}

void server::take(stream_socket s) {
  auto remote = s.remote_endpoint();
  if (options_.block_list && remote && remote->is_ip() &&
      options_.block_list->check(remote->address(), remote->family() == AF_INET6 ? "ipv6" : "ipv4")) {
    return;  // a blocked client never reaches `connection`; s closes here
  }
  if (max_connections && connections_ >= *max_connections) {
    drop_info d;
    if (auto l = s.local_endpoint()) {
      d.local_address = l->address();
      d.local_port = l->port();
      d.local_family = family_name(l->family());
    }
    if (remote) {
      d.remote_address = remote->address();
      d.remote_port = remote->port();
      d.remote_family = family_name(remote->family());
    }
    s.close();
    emit<"drop">(d);
    return;
  }
  auto sock = make_socket({.allow_half_open = options_.allow_half_open, .high_water_mark = options_.high_water_mark});
  sock->adopt(std::move(s), options_.pause_on_connect);
  if (options_.no_delay) sock->set_no_delay(true);
  if (options_.keep_alive) sock->set_keep_alive(true, options_.keep_alive_initial_delay);
  ++connections_;
  sock->on_closed_internal_ = [w = weak_from_this()] {
    if (auto self = w.lock()) {
      --self->connections_;
      self->maybe_closed();
    }
  };
  emit<"connection">(*sock);
}

// ---- closing ---------------------------------------------------------------

server& server::close(std::function<void(const error_info*)> on_close) {
  // Node: this.once('close', cb), so it runs in order with the listeners.
  if (!listening_) {
    auto e = error_info::node(make_error_code(errc::ERR_SERVER_NOT_RUNNING), "Server is not running.");
    if (on_close) once<"close">([cb = std::move(on_close), e] { cb(&e); });
    if (binding_) {  // a listen waiting for its lookup never happens
      binding_ = false;
      ++generation_;
    }
  } else {
    if (on_close) once<"close">([cb = std::move(on_close)] { cb(nullptr); });
    listening_ = false;
    ++generation_;
    listener_.close();  // the pending accept ends with ECANCELED
    remove_socket_file(unix_path_);
    unix_path_.clear();
  }
  signal_watch_.reset();
  closing_ = true;
  maybe_closed();
  return *this;
}

void server::maybe_closed() {
  if (!closing_ || listening_ || connections_ > 0) return;
  closing_ = false;
  loop_.post([self = shared_from_this()] {
    self->emit<"close">();
    // As with sockets: a closed server drops its listeners (breaking cycles
    // through listeners that captured it) unless it listens again.
    if (!self->listening_ && !self->binding_) {
      self->hold_.reset();
      self->self_.reset();
      self->remove_all_listeners();
    }
  });
}

server_address server::address() const {
  if (!listening_) return {};
  if (!pipe_name_.empty()) return pipe_name_;
  auto at = listener_.local_endpoint();
  if (!at) return {};
  return address_info{at->address(), family_name(at->family()), at->port()};
}

void server::get_connections(const std::function<void(const error_info*, std::size_t)>& cb) const {
  loop_.post([cb, n = connections_] { cb(nullptr, n); });
}

server& server::ref() {
  referenced_ = true;
  listener_.ref();
  if (listening_ && !hold_.holding()) hold_ = keep_alive(loop_);
  return *this;
}

server& server::unref() {
  referenced_ = false;
  listener_.unref();
  hold_.reset();
  return *this;
}

}  // namespace coronet::net
