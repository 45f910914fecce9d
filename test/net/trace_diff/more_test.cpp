// Trace scenarios: more socket behaviour (after test-net-write-after-close,
// test-net-socket-end-before-connect, test-net-pause-resume-connecting,
// test-net-socket-timeout, test-net-end-close, test-net-server-pause-on-connect,
// test-net-local-address-port, test-net-remote-address, test-net-connect-options-ipv6).
#include "../io/net_test_util.hpp"
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;
using namespace std::chrono_literals;

namespace {
std::string or_undefined(const std::string& s) { return s.empty() ? "undefined" : s; }
}  // namespace

TRACE_SCENARIO("write-after-destroy", "a write after destroy() calls back ERR_STREAM_DESTROYED, no error") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&t, &c] {
          c.destroy();
          c.write("x", [&t](const net::error_info* e) { t("client write cb " + code(e)); });
        });
      });
}

TRACE_SCENARIO("end-while-connecting", "end() while connecting: FIN once connected") {
  serve(
      l,
      [&](net::socket& s) {
        watch(s, "server", t, {"end", "finish", "close"});
      },
      [&](server_ptr srv, int port) { client(l, t, srv, at(port)).end(); });
}

TRACE_SCENARIO("pause-while-connecting", "pause() while connecting holds the data until resume()") {
  serve(
      l, [](net::socket& s) { s.end("x"); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.set_encoding("utf8");
        c.pause();
        c.on<"connect">([&l, &t, &c] {
          after(l, 50ms, [&t, c = c.shared_from_this()] {
            t("client resume");
            c->resume();
          });
        });
      });
}

TRACE_SCENARIO("timeout-fires-once", "an idle timeout fires once, not again while still idle") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&t, &c] { c.set_timeout(50, [&t] { t("client timeout cb"); }); });
        c.on<"timeout">([&l, &t, &c] {
          after(l, 200ms, [&t, c = c.shared_from_this()] {
            t("client waited");
            c->destroy();
          });
        });
      });
}

TRACE_SCENARIO("end-twice", "end(data, cb) then end(cb): both callbacks, one finish") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"finish", "close"});
        c.end("x", [&t] { t("client end cb 1"); });
        c.end([&t] { t("client end cb 2"); });
      });
}

TRACE_SCENARIO("pause-on-connect", "pause_on_connect: the server's data waits for resume()") {
  net::server_options o;
  o.pause_on_connect = true;
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end"});
        after(l, 50ms, [&t, s = s.shared_from_this()] {
          t("server resume paused " + yes_no(s->is_paused()));
          s->resume();
        });
      },
      [&](server_ptr srv, int port) {
        client(l, t, srv, at(port), "client", {"finish", "end", "close"}).end("x");
      },
      o);
}

TRACE_SCENARIO("local-address", "local_address binds the client; both sides see the addresses") {
  serve(
      l,
      [&t](net::socket& s) {
        t("server remote " + s.remote_address() + " " + s.remote_family());
        s.end();
      },
      [&](server_ptr srv, int port) {
        auto o = at(port);
        o.local_address = "127.0.0.1";
        auto& c = client(l, t, srv, o, "client", {"close"});
        c.on<"connect">([&t, &c] {
          t("client local " + c.local_address() + " " + c.local_family() + " port>0 " + yes_no(c.local_port() > 0));
        });
      });
}

TRACE_SCENARIO("addresses-after-close", "the remote address: undefined while connecting, kept after close") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {});
        auto show = [&t, &c, port](const std::string& when) {
          t("client " + when + " " + or_undefined(c.remote_address()) + " " + or_undefined(c.remote_family()) + " " +
            yes_no(c.remote_port() == port));
        };
        show("connecting");
        c.on<"connect">([show] { show("connect"); });
        c.on<"close">([show](bool) { show("close"); });
      });
}

TRACE_SCENARIO("ipv6-connect", "a connection over ::1") {
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "::1", 511, [&, srv] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "::1"});
    c->on<"connect">([&t, &c = *c] { t("client connect " + c.remote_address() + " " + c.remote_family()); });
    watch(*c, "client", t, {"end", "close"});
    c->on<"close">([srv](bool) { srv->close(); });
  });
}
