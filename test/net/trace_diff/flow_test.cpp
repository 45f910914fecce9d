// Trace scenarios: half-open both ways, pause and resume (after
// test-net-allow-half-open, test-net-pause-resume-connecting,
// test-net-socket-end-before-connect).
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;
using namespace std::chrono_literals;

namespace {
const net::socket_options half_open{.allow_half_open = true};
}

TRACE_SCENARIO("client-ends-first", "the client ends first") {
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end", "finish"});
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] { c.end("bye"); });
      });
}

TRACE_SCENARIO("half-open", "a half-open client ends after the server") {
  serve(
      l, [](net::socket& s) { s.end("half"); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", socket_events, half_open);
        c.set_encoding("utf8");
        c.on<"end">([&c] { c.end(); });
      });
}

TRACE_SCENARIO("half-open-server", "a half-open server writes after the client's FIN") {
  net::server_options o;
  o.allow_half_open = true;
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end", "finish", "close"});
        s.on<"end">([&s] { s.end("late"); });
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_encoding("utf8");
        c.on<"connect">([&c] { c.end("bye"); });
      },
      o);
}

TRACE_SCENARIO("auto-end", "without allow_half_open the peer's FIN ends our side too") {
  serve(
      l,
      [&](net::socket& s) {
        watch(s, "server", t, {"end", "finish", "close"});
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"end", "finish", "close"}, half_open);
        c.on<"connect">([&c] { c.end(); });
      });
}

TRACE_SCENARIO("half-open-writes-after-peer-end", "a half-open client writes after the peer's end") {
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end", "close"});
        s.end();
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", socket_events, half_open);
        c.on<"end">([&c] { c.end("more"); });
      });
}

TRACE_SCENARIO("pause-inside-data", "pause() inside data, then the peer's FIN") {
  serve(
      l, [](net::socket& s) { s.end("abc"); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_encoding("utf8");
        c.on<"data">([&l, &t, &c](std::string_view) {
          c.pause();
          t("client paused " + yes_no(c.is_paused()));
          after(l, 50ms, [&t, c = c.shared_from_this()] {
            t("client resume");
            c->resume();
          });
        });
      });
}

TRACE_SCENARIO("end-while-paused", "the peer's FIN while paused waits for resume()") {
  serve(
      l, [](net::socket& s) { s.end("x"); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_encoding("utf8");
        c.pause();
        after(l, 100ms, [&t, c = c.shared_from_this()] {
          t("client resume");
          c->resume();
        });
      });
}

TRACE_SCENARIO("no-data-listener", "a socket with no data listener does not flow, so no end") {
  t.known_diff("a socket with no data listener reads and ends; Node's never flows, so no end");
  serve(
      l, [](net::socket& s) { s.end("x"); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "end", "close"});
        after(l, 100ms, [&t, c = c.shared_from_this()] {
          t("client gives up");
          c->destroy();
        });
      });
}

TRACE_SCENARIO("pause-state", "is_paused() follows pause() and resume()") {
  auto c = net::socket::create(l);
  t("client paused " + yes_no(c->is_paused()));
  c->pause();
  t("client paused " + yes_no(c->is_paused()));
  c->resume();
  t("client paused " + yes_no(c->is_paused()));
  c->destroy();
}
