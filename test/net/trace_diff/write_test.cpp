// Trace scenarios: write callbacks, drain, byte counts and readyState
// (after test-net-write-cb-on-destroy-before-connect, test-net-bytes-written-large,
// test-net-bytes-stats, test-net-write-connect-write, test-net-socket-ready-state).
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

namespace {
auto log_write(recorder& t, std::string what = {}) {
  return [&t, what](const net::error_info* e) { t("client write cb " + what + code(e)); };
}
std::string count(std::uint64_t n) { return std::to_string(n); }
}  // namespace

TRACE_SCENARIO("write-callbacks-in-order", "write callbacks run in order, before finish") {
  auto got = std::make_shared<std::string>();
  serve(
      l,
      [&t, got](net::socket& s) {
        s.set_encoding("utf8");
        s.on<"data">([got](std::string_view d) { *got += d; });
        s.on<"end">([&t, got] { t("server got " + *got); });
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"finish", "close"});
        for (std::string w : {"a", "b", "c"}) c.write(w, log_write(t, w + " "));
        c.end();
      });
}

TRACE_SCENARIO("drain-before-callback", "drain comes before the callback of the write that emptied the queue") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "drain", "finish", "close"});
        const bool ok = c.write(std::string(100000, 'x'), log_write(t));
        t("client write returned " + yes_no(ok));
        c.on<"drain">([&c] { c.end(); });
      });
}

TRACE_SCENARIO("high-water-mark", "write() is false from the high-water mark (64 KiB) on") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "drain", "close"});
        t("client hwm " + count(c.writable_high_water_mark()));
        t("client write returned " + yes_no(c.write(std::string(65535, 'x'))));
        t("client write returned " + yes_no(c.write("x")));
        t("client writableLength " + count(c.writable_length()));
        c.on<"drain">([&c] { c.end(); });
      });
}

TRACE_SCENARIO("bytes-written-connecting", "bytes_written counts what write() took while connecting") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "close"});
        c.write("1234567");
        t("client bytesWritten " + count(c.bytes_written()));
        c.end();
        c.on<"close">([&t, &c](bool) { t("client bytesWritten " + count(c.bytes_written())); });
      });
}

TRACE_SCENARIO("bytes-read-written", "bytes_read and bytes_written after an echo") {
  serve(
      l,
      [&t](net::socket& s) {
        s.on<"data">([&s](std::string_view d) { s.write(d); });
        s.on<"end">([&s] { s.end(); });
        s.on<"close">([&t, &s](bool) {
          t("server bytesRead " + count(s.bytes_read()) + " bytesWritten " + count(s.bytes_written()));
        });
      },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"end", "close"});
        c.on<"data">([](std::string_view) {});
        c.end("hello");
        c.on<"close">([&t, &c](bool) {
          t("client bytesRead " + count(c.bytes_read()) + " bytesWritten " + count(c.bytes_written()));
        });
      });
}

TRACE_SCENARIO("bytes-written-reconnect", "bytes_written starts again from 0 on a reconnect") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto c = net::connect(l, at(port));
        c->end("abc");
        c->once<"close">([&t, &c = *c, srv, port](bool) {
          t("client bytesWritten " + count(c.bytes_written()));
          c.connect(at(port));
          c.end("de");
          c.once<"close">([&t, &c, srv](bool) {
            t("client bytesWritten " + count(c.bytes_written()));
            srv->close();
          });
        });
      });
}

TRACE_SCENARIO("ready-state", "ready_state through a socket's life") {
  serve(
      l, [](net::socket& s) { s.resume(); },
      [&](server_ptr srv, int port) {
        auto c = net::socket::create(l);
        auto state = [&t, &c = *c](const std::string& when) {
          t("client " + when + " " + std::string(c.ready_state()));
        };
        state("new");
        c->connect(at(port));
        state("connecting");
        c->on<"connect">([state, &c = *c] {
          state("connect");
          c.end();
          state("ended");
        });
        c->on<"end">([state] { state("end"); });
        c->on<"close">([state, srv](bool) {
          state("close");
          srv->close();
        });
      });
}

TRACE_SCENARIO("ready-state-half-open", "ready_state of a half-open socket after the peer's end") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto c = net::socket::create(l, {.allow_half_open = true});
        c->connect(at(port));
        auto state = [&t, &c = *c](const std::string& when) {
          t("client " + when + " " + std::string(c.ready_state()));
        };
        c->on<"end">([state, &c = *c] {
          state("end");
          c.end();
        });
        c->on<"finish">([state] { state("finish"); });
        c->on<"close">([state, srv](bool) {
          state("close");
          srv->close();
        });
      });
}
