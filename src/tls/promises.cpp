#include <coronet/tls/promises.hpp>

#include <coronet/net/errors.hpp>
#include <coronet/notifier.hpp>

namespace coronet::tls::promises {

namespace {
task<net::promises::outcome<std::shared_ptr<socket>>> connect_task(loop& l, std::unique_ptr<connect_options> options) {
  notifier woken(l);
  bool done = false;
  std::optional<net::error_info> failed;
  // connect() throws for bad arguments (as Node does) before any event.
  auto s = tls::connect(l, *options);
  auto on_secure = s->once<"secureConnect">([&] {
    done = true;
    woken.notify();
  });
  auto on_error = s->once<"error">([&](const net::error_info& e) {
    failed = e;
    done = true;
    woken.notify();
  });
  auto on_close = s->once<"close">([&](bool) {  // destroyed without an error
    if (!done) failed = net::error_info::node(net::make_error_code(net::errc::ERR_SOCKET_CLOSED), "Socket is closed");
    done = true;
    woken.notify();
  });
  while (!done) co_await woken;
  s->off<"secureConnect">(on_secure);
  s->off<"error">(on_error);
  s->off<"close">(on_close);
  if (failed) co_return {std::move(failed), nullptr};
  co_return {std::nullopt, std::move(s)};
}
}  // namespace

task<net::promises::outcome<std::shared_ptr<socket>>> connect_owned(loop& l, connect_options options,
                                                                    std::stop_token stop) {
  auto o = std::make_unique<connect_options>(std::move(options));
  if (stop.stop_possible()) o->signal = std::move(stop);
  return connect_task(l, std::move(o));
}

task<net::promises::outcome<std::shared_ptr<socket>>> connect(loop& l, connect_args a, std::stop_token stop) {
  connect_options o;
  o.port = a.port;
  o.host = a.host;
  o.path = a.path;
  o.family = a.family;
  o.timeout = a.timeout;
  o.allow_half_open = a.allow_half_open;
  o.high_water_mark = a.high_water_mark;
  if (a.signal.token) o.signal = *a.signal.token;
  if (a.socket.socket) o.socket = a.socket.socket->shared_from_this();
  if (a.secure_context.context) o.secure_context = *a.secure_context.context;
  o.key = a.key;
  o.cert = a.cert;
  o.ca = a.ca;
  o.passphrase = a.passphrase;
  o.ciphers = a.ciphers;
  o.min_version = a.min_version;
  o.max_version = a.max_version;
  o.servername = a.servername;
  for (std::string_view p : a.alpn_protocols) {
    if (p.empty()) break;
    o.alpn_protocols.emplace_back(p);
  }
  o.reject_unauthorized = a.reject_unauthorized;
  o.session = a.session;
  if (a.check_server_identity) o.check_server_identity = a.check_server_identity;
  return connect_owned(l, std::move(o), std::move(stop));
}

}  // namespace coronet::tls::promises
