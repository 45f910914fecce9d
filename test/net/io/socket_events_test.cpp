// Ported from the behaviours Node's test/parallel/test-net-*.js check:
// event order, errors with Node's fields, half-open, writes before connect.
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

TEST_CASE("a client sees connect, ready, data, end and close in Node's order") {
  loop l;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("hello"); });
  test::event_log log;
  std::string got;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"connect">([&] { log("connect"); });
    c->on<"ready">([&] { log("ready"); });
    c->on<"data">([&](std::string_view d) {
      if (got.empty()) log("data");
      got += d;
    });
    c->on<"end">([&] { log("end"); });
    c->on<"close">([&](bool had_error) {
      log(had_error ? "close(error)" : "close");
      srv->close();
    });
  });
  test::run_bounded(l);
  CHECK(got == "hello");
  CHECK(log.events == std::vector<std::string>{"connect", "ready", "data", "end", "close"});
}

TEST_CASE("connection refused is one error with Node's fields, then close(true)") {
  loop l;
  int port = 0;
  {
    auto probe = net::create_server(l);
    probe->listen(0, "127.0.0.1", 511, [&] {
      port = test::port_of(*probe);
      probe->close();
    });
    test::run_bounded(l);
  }
  int errors = 0;
  net::error_info seen;
  bool closed_with_error = false;
  auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
  c->on<"error">([&](const net::error_info& e) {
    ++errors;
    seen = e;
  });
  c->on<"close">([&](bool had_error) { closed_with_error = had_error; });
  test::run_bounded(l);
  CHECK(errors == 1);
  CHECK(closed_with_error);
  CHECK(seen.code == "ECONNREFUSED");
  CHECK(seen.syscall == "connect");
  CHECK(seen.address == "127.0.0.1");
  CHECK(seen.port == port);
  CHECK(seen.message == "connect ECONNREFUSED 127.0.0.1:" + std::to_string(port));
  CHECK(seen.errno_value() == -ECONNREFUSED);
}

TEST_CASE("writes made before connect go out in order") {
  loop l;
  std::string received;
  auto srv = net::create_server(l, [&](net::socket& s) { s.on<"data">([&](std::string_view d) { received += d; }); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    CHECK(c->connecting());
    CHECK(c->pending());
    CHECK(c->ready_state() == "opening");
    c->write("one ");
    c->write("two ");
    c->end("three");
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(received == "one two three");
}

TEST_CASE("without allowHalfOpen the server ends its side after the client's end") {
  loop l;
  bool server_saw_end = false;
  bool client_saw_end = false;
  auto srv = net::create_server(l, [&](net::socket& s) { s.on<"end">([&] { server_saw_end = true; }); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"connect">([c] { c->end(); });
    c->on<"end">([&] { client_saw_end = true; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(server_saw_end);
  CHECK(client_saw_end);
}

TEST_CASE("with allowHalfOpen the server keeps writing after the client's end") {
  loop l;
  std::string client_got;
  auto srv = net::create_server(l, {.allow_half_open = true}, [&](net::socket& s) {
    s.on<"end">([&s] {
      CHECK(s.writable());
      CHECK(s.ready_state() == "writeOnly");
      s.write("after ");
      s.end("end");
    });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"connect">([c] {
      c->end();
      CHECK(c->ready_state() == "readOnly");
    });
    c->on<"data">([&](std::string_view d) { client_got += d; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(client_got == "after end");
}

TEST_CASE("write returns false past the high-water mark and drain follows") {
  loop l;
  int drains = 0;
  bool first_write_said_full = false;
  std::size_t received = 0;
  const std::string big(64 * 1024, 'x');
  auto srv =
      net::create_server(l, [&](net::socket& s) { s.on<"data">([&](std::string_view d) { received += d.size(); }); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    first_write_said_full = !c->write(big);
    CHECK(c->writable_length() == big.size());
    c->on<"drain">([&, c] {
      ++drains;
      CHECK(c->writable_length() == 0);
      c->end();
    });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(first_write_said_full);
  CHECK(drains == 1);
  CHECK(received == big.size());
}

TEST_CASE("write callbacks run once each, in order, after the data went out") {
  loop l;
  std::vector<int> order;
  auto srv = net::create_server(l, [](net::socket&) {});
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    for (int i = 0; i < 5; ++i)
      c->write("x", [&, i](const net::error_info* e) {
        CHECK(e == nullptr);
        order.push_back(i);
      });
    c->end();
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("bytes and addresses are counted and still readable in close") {
  loop l;
  std::uint64_t written = 0, read = 0;
  std::string remote_in_close;
  int remote_port_in_close = 0;
  int server_port = 0;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("12345"); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    server_port = test::port_of(*srv);
    auto c = net::connect(l, {.port = server_port, .host = "127.0.0.1"});
    c->write("abc");
    c->on<"close">([&, c](bool) {
      written = c->bytes_written();
      read = c->bytes_read();
      remote_in_close = c->remote_address();
      remote_port_in_close = c->remote_port();
      CHECK(c->remote_family() == "IPv4");
      CHECK(c->destroyed());
      CHECK(c->ready_state() == "closed");
      srv->close();
    });
  });
  test::run_bounded(l);
  CHECK(written == 3);
  CHECK(read == 5);
  CHECK(remote_in_close == "127.0.0.1");
  CHECK(remote_port_in_close == server_port);
}
