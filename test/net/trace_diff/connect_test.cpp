// Trace scenarios: connect, refuse, reset (after test-net-connect-*,
// test-net-server-reset, test-net-socket-reset-*).
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

TRACE_SCENARIO("server-ends", "the server ends, the client follows") {
  serve(
      l, [](net::socket& s) { s.end("hi"); },
      [&](server_ptr srv, int port) { client(l, t, srv, at(port)).set_encoding("utf8"); });
}

TRACE_SCENARIO("refused", "a refused connection") {
  refused_port(l, [&](int port) { watch(*net::connect(l, at(port)), "client", t); });
}

TRACE_SCENARIO("connect-callback", "the connect callback runs before the connect listeners added later") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto c = net::connect(l, at(port), [&t] { t("client connect callback"); });
        watch(*c, "client", t);
        c->on<"close">([srv](bool) { srv->close(); });
      });
}

TRACE_SCENARIO("server-resets", "the server resets: the client reads ECONNRESET") {
  // Resets once the client's bytes arrive: a reset inside `connection` can
  // beat the client's own connect completion, a race between two sockets.
  serve(
      l, [](net::socket& s) { s.on<"data">([&s](std::string_view) { s.reset_and_destroy(); }); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] { c.write("x"); });
      });
}

TRACE_SCENARIO("reset-connected", "reset_and_destroy on a connected socket resets the peer") {
  serve(
      l,
      [&](net::socket& s) {
        watch(s, "server", t, {"end", "error", "close"});
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] { c.reset_and_destroy(); });
      });
}

TRACE_SCENARIO("reset-connecting", "reset_and_destroy while connecting resets once connected") {
  serve(
      l,
      [&](net::socket& s) {
        watch(s, "server", t, {"end", "error", "close"});
      },
      [&](server_ptr srv, int port) { client(l, t, srv, at(port)).reset_and_destroy(); });
}

TRACE_SCENARIO("reset-unconnected", "reset_and_destroy on a socket that never connected") {
  auto c = net::socket::create(l);
  c->on<"error">([&t](const net::error_info& e) { t("client error " + e.code); });
  c->on<"close">([&t](bool) { t("client close"); });
  c->reset_and_destroy();
}

TRACE_SCENARIO("connect-port-only", "connect(port) without a host connects to localhost") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto c = net::socket::create(l);
        watch(*c, "client", t, {"connect", "end", "close"});
        c->on<"close">([srv](bool) { srv->close(); });
        c->connect(port);
      });
}
