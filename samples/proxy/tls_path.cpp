// The proxy's TLS path: the job of proxy.cpp's copy loops, on coronet's
// node:tls layer, because a TLS connection is one that tls::create_server
// accepted or tls::connect made (a tls::socket IS a net::socket). Either side
// may be TLS or plain. The copy is event-driven, as Node's pipe() is:
//   - backpressure: a write() that returns false pauses the side the data
//     came from and the writer's `drain` resumes it, so each direction holds
//     at most its high-water mark (64 KiB) and one read;
//   - half-close: both sides allow it, and one side's `end` ends the other
//     after the data that came before it;
//   - errors: one side's error destroys the other; a side that closes
//     cleanly lets the other write what it holds first (destroy_soon).
// The upstream connection starts once the client's handshake is done, so a
// plaintext client of the TLS side never reaches the upstream; what a client
// sends while the upstream connects (and shakes hands) waits, paused.
#include "proxy.hpp"

#include <coronet/net/server.hpp>
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

using namespace coronet;

namespace {

using socket_ptr = std::shared_ptr<net::socket>;

// Copies what `from` reads to `to`, with backpressure, and passes its end
// and its close on. The listeners hold the other socket weakly: each socket
// holds itself until its `close`, and a strong pointer would make a cycle.
void forward(net::socket& from, const socket_ptr& to) {
  std::weak_ptr<net::socket> weak_to = to, weak_from = from.weak_from_this();
  from.on<"data">([&from, weak_to](std::string_view chunk) {
    if (auto t = weak_to.lock(); t && !t->write(chunk)) from.pause();
  });
  to->on<"drain">([weak_from] {
    if (auto f = weak_from.lock()) f->resume();
  });
  from.on<"end">([weak_to] {
    if (auto t = weak_to.lock()) t->end();
  });
  // An error (a reset, a refused handshake) is followed by `close(true)`,
  // which destroys the other side; the error itself needs no more.
  from.on<"error">([](const net::error_info&) {});
  from.on<"close">([weak_to](bool had_error) {
    auto t = weak_to.lock();
    if (!t || t->destroyed()) return;
    if (had_error) {
      t->destroy();
    } else {
      t->destroy_soon();
    }
  });
}

// Whether the upstream is ready: before, its errors are worth a line on
// stderr (connect or handshake failed) and its timeout is the connect timeout.
struct link {
  bool ready = false;
};

// Opens the upstream connection: TLS (verified against the worker's
// context, the certificate matching the --to host) or plain.
socket_ptr open_upstream(loop& l, const options& o, const std::shared_ptr<tls::secure_context>& context,
                         std::function<void()> on_ready) {
  std::optional<unsigned> timeout;
  if (o.connect_timeout.count() > 0) timeout = static_cast<unsigned>(o.connect_timeout.count());
  const bool is_unix = o.to.is_unix();
  if (o.to_tls) {
    tls::connect_options c{.host = o.to_host, .timeout = timeout, .allow_half_open = true, .secure_context = context};
    if (is_unix)
      c.path = o.to.address(), c.host = {};
    else
      c.port = o.to_port;
    return tls::connect(l, c, std::move(on_ready));
  }
  auto s = net::socket::create(l, {.allow_half_open = true});
  net::connect_options c{.host = o.to_host, .timeout = timeout};
  if (is_unix)
    c.path = o.to.address();
  else
    c.port = o.to_port;
  s->connect(std::move(c), std::move(on_ready));
  return s;
}

// A client is in (accepted, and its handshake done on the TLS side): connect
// upstream and join the two.
void join(loop& l, const options& o, const std::shared_ptr<tls::secure_context>& context, net::socket& client) {
  client.pause();  // until the upstream is ready
  auto state = std::make_shared<link>();
  std::weak_ptr<net::socket> weak_client = client.weak_from_this();
  std::shared_ptr<std::weak_ptr<net::socket>> weak_up = std::make_shared<std::weak_ptr<net::socket>>();
  auto on_ready = [&o, state, weak_client, weak_up] {
    auto c = weak_client.lock();
    auto u = weak_up->lock();
    if (!c || !u) return;
    state->ready = true;
    c->set_no_delay(true), u->set_no_delay(true);  // forward small chunks at once
    // The idle timeout replaces the connect timeout (0 turns both off).
    c->set_timeout(static_cast<double>(o.idle_timeout.count()));
    u->set_timeout(static_cast<double>(o.idle_timeout.count()));
    c->resume();
  };
  socket_ptr upstream = open_upstream(l, o, context, on_ready);
  *weak_up = upstream;
  net::socket& up = *upstream;
  up.on<"error">([&o, state](const net::error_info& e) {
    if (!state->ready)
      std::fprintf(stderr, "proxy: connect %s: %s (%s)\n", o.to_text().c_str(), e.code.c_str(), e.message.c_str());
  });
  up.on<"timeout">([&up, &o, state] {
    if (state->ready) {
      up.destroy();  // idle
      return;
    }
    up.destroy(net::error_info::system(errno_code(ETIMEDOUT), "connect", o.to_host, o.to_port));
  });
  client.on<"timeout">([&client] { client.destroy(); });  // idle
  forward(client, upstream);
  forward(up, client.shared_from_this());
}

std::shared_ptr<net::server> make_server(loop& l, const options& o, std::shared_ptr<tls::secure_context> context) {
  if (o.tls_cert.empty()) {
    auto s = net::server::create(l, {.allow_half_open = true, .no_delay = true});
    s->on<"connection">([&l, &o, context](net::socket& c) { join(l, o, context, c); });
    return s;
  }
  // A client that has not finished its handshake within the connect timeout is dropped.
  tls::server_options so{.allow_half_open = true,
                         .no_delay = true,
                         .key = o.tls_key,
                         .cert = o.tls_cert,
                         .handshake_timeout = o.connect_timeout};
  auto s = tls::create_server(l, so, [&l, &o, context](tls::socket& c) { join(l, o, context, c); });
  s->on<"tlsClientError">([](const net::error_info& e, tls::socket& c) {
    std::fprintf(stderr, "proxy: %s from %s: %s\n", e.code.c_str(), c.remote_address().c_str(), e.message.c_str());
  });
  return s;
}

}  // namespace

void run_tls_worker(worker& w, endpoint at, bool reuse_port, const options& o, std::promise<endpoint> ready) {
  std::optional<loop> l;
  std::shared_ptr<net::server> server;  // destroyed before the loop, which ends every connection
  try {
    l.emplace();
    // One context for every upstream connection: the CA file (or the system store) is read once.
    std::shared_ptr<tls::secure_context> context;
    if (o.to_tls) context = tls::create_secure_context({.ca = o.ca});
    server = make_server(*l, o, std::move(context));
  } catch (const tls::error& e) {  // a key, certificate or CA file OpenSSL will not take
    return ready.set_exception(
        std::make_exception_ptr(std::runtime_error(std::string(e.what()) + " (" + e.code_name() + ")")));
  } catch (...) {
    return ready.set_exception(std::current_exception());
  }
  bool started = false;  // `ready` is set once
  server->on<"error">([&](const net::error_info& e) {
    if (!started) {
      started = true;
      ready.set_exception(std::make_exception_ptr(std::runtime_error(e.message)));
      return;
    }
    std::fprintf(stderr, "proxy: %s\n", e.message.c_str());
  });
  server->on<"listening">([&] {
    started = true;
    endpoint bound = at;  // a Unix path stays as it was
    const auto address = server->address();
    if (const auto* a = std::get_if<net::address_info>(&address)) {
      if (auto ip = endpoint::ip(a->address, static_cast<std::uint16_t>(a->port))) bound = *ip;
    }
    w.l = &*l;
    // Closing the listener and stopping the loop is enough: destroying the
    // loop destroys every connection still open (loop.hpp).
    w.stop = [&] { server->close(), l->stop(); };
    ready.set_value(bound);
  });
  if (at.is_unix()) {
    server->listen(net::server_listen_options{.path = at.address()});
  } else {
    server->listen(net::server_listen_options{.port = at.port(), .host = at.address(), .reuse_port = reuse_port});
  }
  l->run();
}
