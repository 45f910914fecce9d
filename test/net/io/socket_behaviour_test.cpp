// Socket behaviours from Node's test-net-*.js: timeouts, pause/resume,
// destroy and reset, encodings, ref/unref, signal, onread, pipe, reconnect.
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <array>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// A server on 127.0.0.1 whose connections get `handler`; calls `ready(port)`.
std::shared_ptr<net::server> serve(loop& l, std::function<void(net::socket&)> handler, std::function<void(int)> ready,
                                   net::server_options o = {}) {
  auto srv = net::create_server(l, o, std::move(handler));
  srv->listen(0, "127.0.0.1", 511, [srv, ready = std::move(ready)] { ready(test::port_of(*srv)); });
  return srv;
}
}  // namespace

TEST_CASE("an idle socket emits timeout once per idle period, and activity pushes it back") {
  loop l;
  int timeouts = 0;
  int writes = 0;
  auto last_activity = std::chrono::steady_clock::now();
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->set_timeout(50, [&, c] {
          ++timeouts;
          CHECK(c->timeout() == 50u);
          // The timeout measures idleness: it comes a whole period after the
          // last write (less a little: timers count from the start of a turn).
          CHECK(std::chrono::steady_clock::now() - last_activity >= 40ms);
          c->destroy();  // a timeout does not end the socket by itself
          srv->close();
        });
        // A write every 30 ms keeps the timeout away. On a loaded machine a
        // sleep can overrun the period; then the timeout is due, and it comes.
        spawn(l, [&l, &writes, &last_activity, c]() -> task<void> {
          for (int i = 0; i < 5 && !c->destroyed(); ++i) {
            co_await sleep_for(l, 30ms);
            if (c->destroyed()) break;
            c->write(".");
            last_activity = std::chrono::steady_clock::now();
            ++writes;
          }
        });
      });
  test::run_bounded(l);
  CHECK(timeouts == 1);
  CHECK(writes >= 1);
}

TEST_CASE("set_timeout(0) turns the timeout off") {
  loop l;
  int timeouts = 0;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"timeout">([&] { ++timeouts; });
        c->set_timeout(20);
        c->set_timeout(0);
        CHECK(c->timeout() == 0.0);  // Node 26: socket.timeout reads 0, not undefined
        spawn(l, [&l, c, srv]() -> task<void> {
          co_await sleep_for(l, 60ms);
          c->destroy();
          srv->close();
        });
      });
  test::run_bounded(l);
  CHECK(timeouts == 0);
}

TEST_CASE("a paused socket delivers nothing until resumed, then everything in order") {
  loop l;
  std::string got;
  bool data_while_paused = false;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end("one two three"); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->pause();  // before connect, as Node allows
        CHECK(c->is_paused());
        c->on<"data">([&, c](std::string_view d) {
          if (c->is_paused()) data_while_paused = true;
          got += d;
        });
        c->on<"close">([&](bool) { srv->close(); });
        spawn(l, [&l, c]() -> task<void> {
          co_await sleep_for(l, 30ms);
          c->resume();
        });
      });
  test::run_bounded(l);
  CHECK_FALSE(data_while_paused);
  CHECK(got == "one two three");
}

TEST_CASE("pause_on_connect hands the server a paused socket") {
  loop l;
  std::string got;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l,
      [&](net::socket& s) {
        CHECK(s.is_paused());
        s.on<"data">([&](std::string_view d) { got += d; });
        s.on<"end">([&] { srv->close(); });
        spawn(l, [&l, self = s.shared_from_this()]() -> task<void> {
          co_await sleep_for(l, 20ms);
          CHECK(self->bytes_read() == 0);
          self->resume();
        });
      },
      [&](int port) { net::connect(l, {.port = port, .host = "127.0.0.1"})->end("late"); }, {.pause_on_connect = true});
  test::run_bounded(l);
  CHECK(got == "late");
}

TEST_CASE("reset_and_destroy makes the peer see ECONNRESET") {
  loop l;
  std::string peer_error;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l,
      [&](net::socket& s) {
        s.on<"error">([&](const net::error_info& e) { peer_error = e.code; });
        s.on<"close">([&](bool had_error) {
          CHECK(had_error);
          srv->close();
        });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connect">([c] { c->reset_and_destroy(); });
      });
  test::run_bounded(l);
  CHECK(peer_error == "ECONNRESET");
}

TEST_CASE("reset_and_destroy on a Unix socket throws ERR_INVALID_HANDLE_TYPE") {
  loop l;
  std::string name = std::string("\0coronet-reset-", 15) + std::to_string(::getpid());
  std::string code;
  auto srv = net::create_server(l, [](net::socket&) {});
  srv->listen(name, [&] {
    auto c = net::connect(l, {.path = name});
    c->on<"connect">([&, c] {
      try {
        c->reset_and_destroy();
      } catch (const net::error& e) {
        code = std::string(e.code_name());
      }
      c->destroy();
      srv->close();
    });
  });
  test::run_bounded(l);
  CHECK(code == "ERR_INVALID_HANDLE_TYPE");
}

TEST_CASE("destroy emits close(false) once and fails pending writes") {
  loop l;
  int closes = 0, errors = 0;
  std::string write_error;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->write("never sent", [&](const net::error_info* e) { write_error = e ? e->code : "ok"; });
        c->on<"error">([&](const net::error_info&) { ++errors; });
        c->on<"close">([&](bool had_error) {
          ++closes;
          CHECK_FALSE(had_error);
          srv->close();
        });
        c->destroy();
        c->destroy();
        CHECK(c->destroyed());
        CHECK_FALSE(c->write("after"));
      });
  test::run_bounded(l);
  CHECK(closes == 1);
  CHECK(errors == 0);
  CHECK(write_error == "ERR_SOCKET_CLOSED_BEFORE_CONNECTION");  // destroyed while connecting, as Node 26
}

TEST_CASE("set_encoding utf8 keeps a character split across chunks whole") {
  loop l;
  std::string got;
  int chunks = 0;
  std::shared_ptr<net::server> srv;
  // "é" is C3 A9 and "€" is E2 82 AC: send them split across writes.
  srv = serve(
      l,
      [&](net::socket& s) {
        spawn(l, [&l, self = s.shared_from_this()]() -> task<void> {
          self->write("caf\xC3");
          co_await sleep_for(l, 20ms);
          self->write("\xA9 \xE2\x82");
          co_await sleep_for(l, 20ms);
          self->end("\xAC");
        });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->set_encoding("utf8");
        c->on<"data">([&](std::string_view d) {
          ++chunks;
          got += d;
        });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(got == "caf\xC3\xA9 \xE2\x82\xAC");
  CHECK(chunks == 3);
}

TEST_CASE("set_encoding hex and base64 decode as Node does") {
  for (auto pair :
       std::array<std::pair<const char*, const char*>, 3>{{{"hex", "6869"}, {"base64", "aGk="}, {"latin1", "hi"}}}) {
    const char* enc = pair.first;  // (clang 14 cannot capture structured bindings)
    const char* expected = pair.second;
    CAPTURE(enc);
    loop l;
    std::string got;
    std::shared_ptr<net::server> srv;
    srv = serve(
        l, [](net::socket& s) { s.end("hi"); },
        [&](int port) {
          auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
          c->set_encoding(enc);
          c->on<"data">([&](std::string_view d) { got += d; });
          c->on<"close">([&](bool) { srv->close(); });
        });
    test::run_bounded(l);
    CHECK(got == expected);
  }
}

TEST_CASE("an unreferenced socket does not keep the loop running") {
  loop l;
  std::shared_ptr<net::socket> accepted;
  auto srv = net::create_server(l, [&](net::socket& s) {
    accepted = s.shared_from_this();
    s.unref();  // as in Node, the server's unref() leaves its connections alone
  });
  std::shared_ptr<net::socket> c;
  srv->listen(0, "127.0.0.1", 511, [&] {
    c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"connect">([&] {
      c->unref();
      srv->unref();
    });
  });
  auto start = std::chrono::steady_clock::now();
  l.run();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK_FALSE(c->destroyed());
  c->ref();
  srv->ref();
  c->destroy();
  if (accepted) accepted->destroy();
  srv->close();
  test::run_bounded(l);
}

TEST_CASE("a stop request on the signal destroys the socket with an abort error") {
  loop l;
  std::stop_source stop;
  std::string code;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::socket::create(l, {.signal = stop.get_token()});
        c->connect(port, "127.0.0.1");
        c->on<"connect">([&] { stop.request_stop(); });
        c->on<"error">([&](const net::error_info& e) { code = e.code; });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(code == "ABORT_ERR");
}

TEST_CASE("onread receives into the caller's buffer and false pauses") {
  loop l;
  std::array<std::byte, 4> buffer{};
  std::string got;
  int calls = 0;
  std::shared_ptr<net::socket> c;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end("abcdefgh"); },
      [&](int port) {
        net::onread_options onread;
        onread.buffer = buffer;
        onread.callback = [&](std::size_t n, std::span<std::byte> b) {
          ++calls;
          CHECK(b.data() == buffer.data());
          got.append(reinterpret_cast<const char*>(b.data()), n);
          return got.size() != 4;  // pause once, after the first 4 bytes
        };
        c = net::socket::create(l, {.onread = onread});
        c->connect(port, "127.0.0.1");
        c->on<"close">([&](bool) { srv->close(); });
        spawn(l, [&l, &c, &got]() -> task<void> {
          co_await sleep_for(l, 30ms);
          CHECK(got == "abcd");
          CHECK(c->is_paused());
          c->resume();
        });
      });
  test::run_bounded(l);
  CHECK(got == "abcdefgh");
  CHECK(calls >= 2);
}

TEST_CASE("pipe copies with backpressure and ends the destination") {
  loop l;
  const std::string big(1 << 20, 'p');
  std::size_t received = 0;
  bool sink_ended = false;
  // source server sends 1 MiB; the client pipes it into a second connection
  // whose server counts it.
  auto sink = net::create_server(l, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { received += d.size(); });
    s.on<"end">([&] { sink_ended = true; });
  });
  std::shared_ptr<net::server> source;
  source = serve(
      l, [&](net::socket& s) { s.end(big); },
      [&](int source_port) {
        sink->listen(0, "127.0.0.1", 511, [&, source_port] {
          auto to_sink = net::connect(l, {.port = test::port_of(*sink), .host = "127.0.0.1"});
          auto from_source = net::connect(l, {.port = source_port, .host = "127.0.0.1"});
          from_source->pipe(to_sink);
          to_sink->on<"close">([&](bool) {
            sink->close();
            source->close();
          });
        });
      });
  test::run_bounded(l, 20s);
  CHECK(received == big.size());
  CHECK(sink_ended);
}

TEST_CASE("a socket can connect again after close") {
  loop l;
  int connects = 0;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::socket::create(l);
        c->on<"connect">([&] { ++connects; });
        c->on<"close">([&, c, port](bool) {
          if (connects == 1) {
            c->connect(port, "127.0.0.1");
          } else {
            srv->close();
          }
        });
        c->connect(port, "127.0.0.1");
      });
  test::run_bounded(l);
  CHECK(connects == 2);
}

TEST_CASE("localhost resolves off the loop and emits lookup") {
  loop l;
  std::string looked_up;
  int family = 0;
  bool connected = false;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "localhost", .family = 4});
        c->on<"lookup">([&](const net::error_info* e, std::string_view address, int fam, std::string_view host) {
          CHECK(e == nullptr);
          CHECK(host == "localhost");
          looked_up = address;
          family = fam;
        });
        c->on<"connect">([&] { connected = true; });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(looked_up == "127.0.0.1");
  CHECK(family == 4);
  CHECK(connected);
}

TEST_CASE("an IP literal connects without a lookup event") {
  loop l;
  int lookups = 0;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"lookup">([&](const net::error_info*, std::string_view, int, std::string_view) { ++lookups; });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(lookups == 0);
}

TEST_CASE("an unknown host is ENOTFOUND with Node's message") {
  loop l;
  net::error_info seen;
  auto c = net::connect(l, {.port = 80, .host = "no-such-host.invalid"});
  c->on<"error">([&](const net::error_info& e) { seen = e; });
  test::run_bounded(l, 30s);
  CHECK(seen.code == "ENOTFOUND");
  CHECK(seen.syscall == "getaddrinfo");
  CHECK(seen.message == "getaddrinfo ENOTFOUND no-such-host.invalid");
}

TEST_CASE("connect argument errors throw as Node's do") {
  loop l;
  auto c = net::socket::create(l);
  CHECK_THROWS_AS(c->connect(net::connect_options{.port = 70000, .host = "127.0.0.1"}), net::error);
  CHECK_THROWS_AS(c->connect(net::connect_options{.host = "127.0.0.1"}), net::error);
  CHECK_THROWS_AS(c->connect(net::connect_options{.port = 1, .host = "127.0.0.1", .family = 5}), net::error);
}
