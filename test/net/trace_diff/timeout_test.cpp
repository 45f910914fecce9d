// Trace scenarios: idle timeouts (after test-net-socket-timeout,
// test-net-settimeout, test-net-connect-options-timeout,
// test-net-socket-timeout-unref).
#include <cmath>
#include <limits>

#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;
using namespace std::chrono_literals;

namespace {
// socket.timeout as JS prints it: undefined until set_timeout().
std::string timeout_text(const net::socket& s) {
  auto ms = s.timeout();
  return ms ? std::to_string(static_cast<long long>(*ms)) : "undefined";
}
}  // namespace

TRACE_SCENARIO("idle-timeout", "an idle timeout, then destroy") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_timeout(250, [&c] { c.destroy(); });
      });
}

TRACE_SCENARIO("timeout-before-connect", "set_timeout before connect counts from the connection") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto c = net::socket::create(l);
        c->set_timeout(250);
        watch(*c, "client", t);
        c->on<"timeout">([&c = *c] { c.destroy(); });
        c->on<"close">([srv](bool) { srv->close(); });
        c->connect(port, "127.0.0.1");
      });
}

TRACE_SCENARIO("timeout-zero-disables", "set_timeout(0) disables the idle timeout") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_timeout(30);
        c.set_timeout(0);
        after(l, 100ms, [&t, c = c.shared_from_this()] {
          t("client still idle");
          c->destroy();
        });
      });
}

TRACE_SCENARIO("timeout-property", "timeout() is unset, then the value, then 0") {
  auto c = net::socket::create(l);
  t("client timeout " + timeout_text(*c));
  c->set_timeout(30);
  t("client timeout " + timeout_text(*c));
  c->set_timeout(0);
  t("client timeout " + timeout_text(*c));
  c->destroy();
}

TRACE_SCENARIO("timeout-option", "the timeout connect option") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto o = at(port);
        o.timeout = 250;
        auto& c = client(l, t, srv, o);
        c.on<"timeout">([&c] { c.destroy(); });
      });
}

TRACE_SCENARIO("timeout-out-of-range", "set_timeout with a negative, NaN or infinite value throws") {
  auto c = net::socket::create(l);
  attempt(t, "client -1", [&] { c->set_timeout(-1); });
  attempt(t, "client NaN", [&] { c->set_timeout(std::nan("")); });
  attempt(t, "client Infinity", [&] { c->set_timeout(std::numeric_limits<double>::infinity()); });
  c->destroy();
}

TRACE_SCENARIO("server-side-timeout", "a server connection's idle timeout, then end") {
  serve(
      l,
      [&](net::socket& s) {
        watch(s, "server", t, {"timeout", "end", "finish", "close"});
        s.set_timeout(30, [&s] { s.end(); });
      },
      [&](server_ptr srv, int port) {
        client(l, t, srv, at(port), "client", {"end", "finish", "close"});
      });
}
