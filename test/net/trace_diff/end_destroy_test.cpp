// Trace scenarios: end and destroy orders (after test-net-end-destroyed,
// test-net-socket-destroy-send, test-net-connect-immediate-destroy,
// test-net-write-after-end-nt, test-net-destroy-soon*, test-net-end-close).
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

namespace {
auto log_write(recorder& t) {
  return [&t](const net::error_info* e) { t("client write cb " + code(e)); };
}
}  // namespace

TRACE_SCENARIO("end-callback", "end(data, cb) calls back before finish, and after close") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "finish", "close"});
        c.end("x", [&t] { t("client end cb"); });
        c.on<"close">([&t, &c](bool) { c.end([&t] { t("client end cb after close"); }); });
      });
}

TRACE_SCENARIO("write-after-end-epipe", "a write after our own end, once the peer ended, is EPIPE") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"end", "error", "close"});
        c.on<"end">([&t, &c] {
          c.end();
          c.write("x", log_write(t));
        });
      });
}

TRACE_SCENARIO("write-after-end", "a write after end() is ERR_STREAM_WRITE_AFTER_END, callback then error") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"finish", "error", "close"});
        c.on<"connect">([&t, &c] {
          c.end();
          c.write("x", log_write(t));
        });
      });
}

TRACE_SCENARIO("destroy-error", "destroy(err) emits error, then close(true)") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] { c.destroy(boom()); });
      });
}

TRACE_SCENARIO("destroy-error-write-pending", "destroy(err) with a write pending: error, the callback, close") {
  net::server_options paused;
  paused.pause_on_connect = true;
  // The server's side is paused: it would never see the FIN, so the
  // client's close destroys it (whichever of the two comes first).
  struct peer {
    net::socket* conn = nullptr;
    bool client_closed = false;
  };
  auto p = std::make_shared<peer>();
  serve(
      l,
      [p](net::socket& s) {
        p->conn = &s;
        if (p->client_closed) s.destroy();
      },
      [&, p](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"error", "close", "drain"});
        c.on<"close">([p](bool) {
          p->client_closed = true;
          if (p->conn) p->conn->destroy();
        });
        c.on<"connect">([&t, &c] {
          c.write(std::string(std::size_t{1} << 25, 'x'), log_write(t));  // more than the kernel takes
          c.destroy(boom());
        });
      },
      paused);
}

TRACE_SCENARIO("destroy-connecting", "destroy() while connecting: close, no connect") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        client(l, t, srv, at(port)).destroy();
        t("client destroyed");
      });
}

TRACE_SCENARIO("destroy-connecting-write-pending", "destroy() while connecting calls the write back after close") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.write("x", log_write(t));
        c.destroy();
        t("client destroyed");
      });
}

TRACE_SCENARIO("destroy-twice", "destroy() twice closes once") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] {
          c.destroy();
          c.destroy();
        });
      });
}

TRACE_SCENARIO("end-then-destroy", "end(data) then destroy() at once: no finish") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] {
          c.end("x");
          c.destroy();
        });
      });
}

TRACE_SCENARIO("destroy-soon", "destroy_soon() after a write: the bytes and the FIN go out first") {
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end"});
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port));
        c.on<"connect">([&c] {
          c.write("x");
          c.destroy_soon();
        });
      });
}

TRACE_SCENARIO("end-with-encoding", "end(text, encoding, cb) while connecting") {
  serve(
      l,
      [&](net::socket& s) {
        s.set_encoding("utf8");
        watch(s, "server", t, {"data", "end"});
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"finish", "close"});
        c.end("6869", "hex", [&t] { t("client end cb"); });
      });
}
