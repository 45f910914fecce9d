// readyState, bytesWritten and pause() through the life of a socket, checked
// against Node 26 (scripts/node26.sh): each case was first run as a small JS
// program; the comment says what Node printed.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

using test::joined;
using test::serve;

namespace {
// Calls `fn` once `delay` has passed, like a Node timer (it keeps the loop
// going). Armed from a posted callback, where the loop's clock is fresh: a
// deadline armed while completions run counts from the loop's clock as read
// before it waited for them, and may fire that much early.
void after(loop& l, std::optional<deadline>& timer, std::chrono::milliseconds delay, std::function<void()> fn) {
  l.post([&l, &timer, delay, fn = std::move(fn)] {
    timer.emplace(l, fn);
    timer->ref();
    timer->expires_after(delay);
  });
}
}  // namespace

TEST_CASE("ready_state of a new socket is open, as Node's new Socket(), and closed once destroyed") {
  loop l;
  auto s = net::socket::create(l);
  // Node 26: fresh open true true true false (readyState, readable, writable, pending, connecting).
  CHECK(s->ready_state() == "open");
  CHECK(s->readable());
  CHECK(s->writable());
  CHECK(s->pending());
  CHECK_FALSE(s->connecting());
  s->destroy();
  CHECK(s->ready_state() == "closed");  // Node 26: destroyed new closed
  test::run_bounded(l);
}

TEST_CASE("ready_state through our end(): opening, open, readOnly, then closed at the peer's FIN") {
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  std::optional<deadline> later;
  srv = serve(
      l, {.allow_half_open = true},
      [&](net::socket& s) { s.on<"end">([&, s = s.shared_from_this()] { after(l, later, 50ms, [s] { s->end(); }); }); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        seen.push_back("created " + std::string(c->ready_state()));
        c->on<"connect">([&, c] {
          seen.push_back("connect " + std::string(c->ready_state()));
          c->end();
          seen.push_back("after end() " + std::string(c->ready_state()));
        });
        c->on<"finish">([&, c] { seen.push_back("finish " + std::string(c->ready_state())); });
        c->on<"end">([&, c] { seen.push_back("end " + std::string(c->ready_state())); });
        c->on<"close">([&, c](bool) {
          seen.push_back("close " + std::string(c->ready_state()));
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26: created opening / connect open / after end() readOnly /
  // finish readOnly / end closed / close closed.
  CHECK(joined(seen) == joined({"created opening", "connect open", "after end() readOnly", "finish readOnly",
                                "end closed", "close closed"}));
}

TEST_CASE("ready_state after the peer's FIN: writeOnly, and closed once our FIN is out") {
  for (const bool half_open : {false, true}) {
    CAPTURE(half_open);
    loop l;
    std::vector<std::string> seen;
    std::shared_ptr<net::server> srv;
    std::optional<deadline> later;
    srv = serve(
        l, {.allow_half_open = half_open}, [](net::socket& s) { s.end("bye"); },
        [&](int port) {
          auto c = net::socket::create(l, {.allow_half_open = half_open});
          c->connect(port, "127.0.0.1");
          c->on<"connect">([&, c] { seen.push_back("connect " + std::string(c->ready_state())); });
          c->on<"end">([&, c] {
            seen.push_back("end " + std::string(c->ready_state()));
            after(l, later, 30ms, [&, c] {
              seen.push_back("later " + std::string(c->ready_state()));
              c->end();
            });
          });
          c->on<"finish">([&, c] { seen.push_back("finish " + std::string(c->ready_state())); });
          c->on<"close">([&, c](bool) {
            seen.push_back("close " + std::string(c->ready_state()));
            srv->close();
          });
        });
    test::run_bounded(l);
    // Node 26, allowHalfOpen false: connect open / end writeOnly / finish
    // closed / close closed / later closed. With allowHalfOpen: connect open /
    // end writeOnly / later writeOnly / finish closed / close closed.
    if (half_open) {
      CHECK(joined(seen) ==
            joined({"connect open", "end writeOnly", "later writeOnly", "finish closed", "close closed"}));
    } else {
      CHECK(joined(seen) == joined({"connect open", "end writeOnly", "finish closed", "close closed", "later closed"}));
    }
  }
}

TEST_CASE("bytes_written after a reconnect counts the new connection only: 3, then 2") {
  loop l;
  std::vector<std::string> seen;
  int closes = 0;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, {}, [](net::socket& s) { s.resume(); },
      [&](int port) {
        auto c = net::socket::create(l);
        auto send = [&, c](std::string data, std::string name) {
          c->write(data, [&, c, name](const net::error_info*) {
            seen.push_back(name + ' ' + std::to_string(c->bytes_written()));
            c->end();
          });
        };
        c->on<"close">([&, c, port, send](bool) {
          seen.push_back("close " + std::to_string(c->bytes_written()) + ' ' + std::string(c->ready_state()));
          if (++closes == 1) {
            c->connect(port, "127.0.0.1", [send] { send("ab", "second"); });
          } else {
            srv->close();
          }
        });
        c->connect(port, "127.0.0.1", [send] { send("abc", "first"); });
      });
  test::run_bounded(l);
  // Node 26: first 3 / close 3 closed / second 2 / close 2 closed.
  CHECK(joined(seen) == joined({"first 3", "close 3 closed", "second 2", "close 2 closed"}));
}

TEST_CASE("pause() inside data, then the peer ends: end comes while paused when nothing is left to deliver") {
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, {}, [](net::socket& s) { s.end("hello"); },
      [&](int port) {
        auto c = net::socket::create(l, {.allow_half_open = true});
        c->connect(port, "127.0.0.1");
        c->on<"data">([&, c](std::string_view d) {
          seen.push_back("data " + std::string(d));
          c->pause();
        });
        c->on<"end">([&, c] {
          seen.push_back(c->is_paused() ? "end paused" : "end");
          c->end();
        });
        c->on<"close">([&](bool) {
          seen.push_back("close");
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26: data hello / end (isPaused() still true) / close.
  CHECK(joined(seen) == joined({"data hello", "end paused", "close"}));
}

TEST_CASE("paused with data still to deliver: end waits for resume() and comes after that data") {
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  std::optional<deadline> later_end;
  std::optional<deadline> later_resume;
  srv = serve(
      l, {},
      [&](net::socket& s) {
        s.write("hello");
        after(l, later_end, 50ms, [s = s.shared_from_this()] { s->end("world"); });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"data">([&, c](std::string_view d) {
          seen.push_back("data " + std::string(d));
          if (seen.size() > 1) return;
          c->pause();
          after(l, later_resume, 200ms, [&, c] {
            seen.push_back("resume");
            c->resume();
          });
        });
        c->on<"end">([&] { seen.push_back("end"); });
        c->on<"close">([&](bool) {
          seen.push_back("close");
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26: data hello / resume / data world / end / close.
  CHECK(joined(seen) == joined({"data hello", "resume", "data world", "end", "close"}));
}

TEST_CASE("pause_on_connect reads nothing, not even the FIN, until resumed") {
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  std::optional<deadline> later;
  srv = serve(
      l, {.pause_on_connect = true},
      [&](net::socket& s) {
        s.on<"data">([&](std::string_view d) { seen.push_back("data " + std::string(d)); });
        s.on<"end">([&] { seen.push_back("end"); });
        s.on<"close">([&](bool) {
          seen.push_back("close");
          srv->close();
        });
        after(l, later, 200ms, [&, s = s.shared_from_this()] {
          seen.push_back("resume");
          s->resume();
        });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connect">([c] { c->end("hi"); });
      });
  test::run_bounded(l);
  // Node 26: resume / data hi / end / close.
  CHECK(joined(seen) == joined({"resume", "data hi", "end", "close"}));
}

TEST_CASE("deliberate: a socket with no data listener still flows and reaches end and close") {
  // Node 26 leaves such a socket paused (readableFlowing null): its bytes
  // wait for a read() or a 'data' listener and 'end' never comes. coronet
  // has no pull read() and no 'readable' event, so a socket flows from the
  // start (README, "Where coronet deliberately differs").
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, {}, [](net::socket& s) { s.end("hello"); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"end">([&, c] { seen.push_back("end " + std::to_string(c->bytes_read())); });
        c->on<"close">([&](bool) {
          seen.push_back("close");
          srv->close();
        });
      });
  test::run_bounded(l);
  CHECK(joined(seen) == joined({"end 5", "close"}));
}

TEST_CASE("a closing server emits close before the close event of its last connection") {
  loop l;
  std::vector<std::string> seen;
  std::shared_ptr<net::server> srv;
  std::optional<deadline> later;
  srv = serve(
      l, {},
      [&](net::socket& s) {
        s.on<"end">([&] { seen.push_back("server end"); });
        s.on<"close">([&](bool had_error) {
          seen.push_back(std::string("server socket close ") + (had_error ? "true" : "false"));
        });
        srv->close([&](const net::error_info*) { seen.push_back("server close callback"); });
        srv->on<"close">([&] { seen.push_back("server close listener"); });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connect">([&, c] { after(l, later, 30ms, [c] { c->end(); }); });
        c->on<"close">([&](bool) { seen.push_back("client close"); });
      });
  test::run_bounded(l);
  // Node 26: server end / server close callback / server close listener /
  // server socket close false / client close.
  CHECK(joined(seen) == joined({"server end", "server close callback", "server close listener",
                                "server socket close false", "client close"}));
}
