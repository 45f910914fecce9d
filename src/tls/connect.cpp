// tls::connect: a net connection with the engine in front of it.
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/tls/connect.hpp>

#include "role.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace coronet::tls {

namespace detail {
std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) continue;
    wire += static_cast<char>(p.size());
    wire += p;
  }
  return wire;
}
}  // namespace detail

namespace {
// Making a context loads the system's trust store: connections with the
// default settings share one per thread, as long as one is in use.
std::shared_ptr<secure_context> context_of(const connect_options& o) {
  if (o.secure_context) return o.secure_context;
  const bool defaults = o.key.empty() && o.cert.empty() && o.ca.empty() && o.ciphers.empty() &&
                        o.min_version == "TLSv1.2" && o.max_version == "TLSv1.3";
  thread_local std::weak_ptr<secure_context> shared;
  if (defaults) {
    if (auto ctx = shared.lock()) return ctx;
  }
  auto ctx = create_secure_context(detail::context_options_of(o));
  if (defaults) shared = ctx;
  return ctx;
}
}  // namespace

// connect_options::socket: the tls::socket on one end of a socketpair, the
// other end piped both ways to the caller's socket (see connect.hpp).
std::shared_ptr<socket> connect_over(loop& l, const connect_options& o, const detail::role& r) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
    const int e = errno;
    auto s = socket::create(l, {.signal = o.signal, .high_water_mark = o.high_water_mark}, r);
    s->destroy(net::error_info::system(std::error_code(e, std::system_category()), "socketpair"));
    return s;
  }
  auto s = socket::create(
      l, {.fd = fds[0], .allow_half_open = o.allow_half_open, .signal = o.signal, .high_water_mark = o.high_water_mark},
      r);
  // The relay half-closes as its peers do; each side's close ends the other
  // once what it queued is out.
  auto relay = net::socket::create(l, {.fd = fds[1], .allow_half_open = true, .high_water_mark = o.high_water_mark});
  const std::shared_ptr<net::socket>& raw = o.socket;
  if (raw->destroyed()) {  // nothing to talk over
    relay->destroy();
    s->destroy(net::error_info::node(net::make_error_code(net::errc::ERR_SOCKET_CLOSED), "Socket is closed"));
    return s;
  }
  raw->pipe(relay);
  relay->pipe(raw);
  std::weak_ptr<net::socket> weak_raw = raw, weak_relay = relay;
  std::weak_ptr<socket> weak_tls = s;
  relay->on<"close">([weak_raw](bool) {
    if (auto w = weak_raw.lock(); w && !w->destroyed()) w->destroy_soon();
  });
  relay->on<"error">([](const net::error_info&) {});  // the tls::socket sees the stream end
  raw->on<"close">([weak_relay](bool) {
    if (auto w = weak_relay.lock(); w && !w->destroyed()) w->destroy_soon();
  });
  raw->on<"error">([weak_tls](const net::error_info& e) {  // Node: the TLSSocket reports its socket's errors
    if (auto t = weak_tls.lock(); t && !t->destroyed()) t->destroy(e);
  });
  return s;
}

std::shared_ptr<socket> connect(loop& l, const connect_options& o, std::function<void()> on_secure) {
  detail::role r;
  r.context = context_of(o);
  // Node: SNI is the servername, or the host unless it is an IP address; the
  // certificate must match the servername, else the host.
  r.servername = !o.servername.empty() ? o.servername : net::is_ip(o.host) ? std::string() : o.host;
  r.identity = !o.servername.empty() ? o.servername : o.host.empty() ? std::string("localhost") : o.host;
  r.session = o.session;
  r.check_identity = o.check_server_identity;
  r.alpn = detail::alpn_wire(o.alpn_protocols);
  r.reject_unauthorized = o.reject_unauthorized;
  if (o.socket) {
    auto s = connect_over(l, o, r);
    if (on_secure) s->once<"secureConnect">([cb = std::move(on_secure)] { cb(); });
    return s;
  }
  auto s = socket::create(
      l, {.allow_half_open = o.allow_half_open, .signal = o.signal, .high_water_mark = o.high_water_mark}, r);
  if (on_secure) s->once<"secureConnect">([cb = std::move(on_secure)] { cb(); });
  net::connect_options n;
  if (o.path.empty()) n.port = o.port;
  n.host = o.host;
  n.path = o.path;
  n.family = o.family;
  n.timeout = o.timeout;
  s->connect(std::move(n));
  return s;
}

}  // namespace coronet::tls
