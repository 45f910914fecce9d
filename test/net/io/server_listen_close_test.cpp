// Server listen and close as Node 26 does them. Each case was run under
// Node 26 first (scripts/node26.sh); the comment says what Node printed.
#include <coronet/net/errors.hpp>
#include <coronet/net/promises.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "net_test_util.hpp"

using namespace coronet;

namespace {
// The ERR_* code a call throws, or "" when it does not throw.
template <class F>
std::string thrown_code(F fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const net::error& e) {
    if (message) *message = e.what();
    return std::string(e.code_name());
  }
  return "";
}
}  // namespace

TEST_CASE("listen() with no arguments takes a free port on :: at once") {
  loop l;
  auto srv = net::create_server(l);
  bool listened = false;
  srv->listen([&] {
    listened = true;
    srv->close();
  });
  // Node 26: listen() binds synchronously: listening true, address { '::', IPv6, port }.
  CHECK(srv->listening());
  auto a = std::get<net::address_info>(srv->address());
  CHECK(a.port > 0);
  CHECK((a.address == "::" || a.address == "0.0.0.0"));
  test::run_bounded(l);
  CHECK(listened);
}

TEST_CASE("listen options with neither port nor path throw ERR_INVALID_ARG_VALUE") {
  loop l;
  auto srv = net::create_server(l);
  std::string message;
  CHECK(thrown_code([&] { srv->listen(net::server_listen_options{.host = "127.0.0.1"}); }, &message) ==
        "ERR_INVALID_ARG_VALUE");
  CHECK(message ==
        "The argument 'options' must have the property \"port\" or \"path\". Received { host: '127.0.0.1' }");
  CHECK(thrown_code([&] { srv->listen(net::server_listen_options{.exclusive = true}); }, &message) ==
        "ERR_INVALID_ARG_VALUE");
  CHECK(message == "The argument 'options' must have the property \"port\" or \"path\". Received { exclusive: true }");
  CHECK_FALSE(srv->listening());
}

TEST_CASE("an abstract socket name with readable_all or writable_all throws") {
  loop l;
  auto srv = net::create_server(l);
  std::string message;
  CHECK(thrown_code(
            [&] {
              srv->listen(net::server_listen_options{.path = std::string("\0abstract-x", 11), .readable_all = true});
            },
            &message) == "ERR_INVALID_ARG_VALUE");
  // Node 26's text, typo included.
  CHECK(message ==
        "The argument 'options' can not set readableAll or writableAllt to true when path is abstract unix socket. "
        "Received { path: '\\x00abstract-x', readableAll: true }");
  CHECK(thrown_code([&] {
          srv->listen(net::server_listen_options{.path = std::string("\0abstract-x", 11), .writable_all = true});
        }) == "ERR_INVALID_ARG_VALUE");
}

TEST_CASE("listen with a host is not listening until the listening event") {
  loop l;
  auto srv = net::create_server(l);
  bool in_event = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    in_event = srv->listening() && std::holds_alternative<net::address_info>(srv->address());
    srv->close();
  });
  // Node 26 printed: after listen false null
  CHECK_FALSE(srv->listening());
  CHECK(std::holds_alternative<std::monostate>(srv->address()));
  test::run_bounded(l);
  CHECK(in_event);
}

TEST_CASE("close() then listen() at once listens again on the same port") {
  loop l;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("again"); });
  std::vector<std::string> order;
  std::string got;
  srv->listen(0, "127.0.0.1", 511, [&] {
    const int port = test::port_of(*srv);
    srv->on<"close">([&] { order.push_back("listener 1"); });
    srv->close([&](const net::error_info* e) { order.push_back(e ? "callback error" : "callback"); });
    srv->on<"close">([&] { order.push_back("listener 2"); });
    srv->listen(port, "127.0.0.1", 511, [&, port] {
      CHECK(test::port_of(*srv) == port);
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c->on<"data">([&](std::string_view d) { got += d; });
      c->on<"close">([&](bool) { srv->close(); });
    });
  });
  test::run_bounded(l);
  CHECK(got == "again");
  // Node 26: close listener 1, close cb, close listener 2 -- then, on the
  // second close, both listeners again (the callback was once).
  REQUIRE(order.size() >= 3);
  CHECK(order[0] == "listener 1");
  CHECK(order[1] == "callback");
  CHECK(order[2] == "listener 2");
}

TEST_CASE("after close() a new connection is refused at once") {
  loop l;
  auto srv = net::create_server(l);
  std::string code;
  srv->listen(0, "127.0.0.1", 511, [&] {
    const int port = test::port_of(*srv);
    srv->close();
    // Same turn: the io_uring accept is still being cancelled.
    auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
    c->on<"connect">([&] { code = "connected"; });
    c->on<"error">([&](const net::error_info& e) { code = e.code; });
  });
  test::run_bounded(l);
  CHECK(code == "ECONNREFUSED");  // Node 26: after close connect ECONNREFUSED
}

TEST_CASE("a stop request rejects promises::listen with an AbortError") {
  loop l;
  auto srv = net::create_server(l);
  std::stop_source stop;
  std::optional<net::error_info> failed;
  spawn(l, [&]() -> task<void> {
    net::server_listen_options o{.port = 0, .host = "127.0.0.1", .signal = stop.get_token()};
    stop.request_stop();
    failed = co_await net::promises::listen(*srv, o);
    if (srv->listening()) srv->close();
  });
  test::run_bounded(l);
  REQUIRE(failed.has_value());
  CHECK(failed->code == "ABORT_ERR");
  CHECK(failed->name == "AbortError");
}

TEST_CASE("drop_max_connection is a plain setting; past max_connections connections drop") {
  loop l;
  auto srv = net::create_server(l);
  srv->max_connections = 0;
  srv->drop_max_connection = true;
  int drops = 0;
  srv->on<"drop">([&](const net::drop_info&) {
    ++drops;
    srv->close();
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"error">([](const net::error_info&) {});
  });
  test::run_bounded(l);
  CHECK(drops == 1);
}

TEST_CASE("close() before a listen with a host has bound cancels the listen") {
  loop l;
  auto srv = net::create_server(l);
  bool listened = false;
  std::string callback;
  srv->listen(0, "127.0.0.1", 511, [&] { listened = true; });
  srv->close([&](const net::error_info* e) { callback = e ? e->code : "ok"; });
  test::run_bounded(l);  // Node 26: cb ERR_SERVER_NOT_RUNNING, and the process exits
  CHECK_FALSE(listened);
  CHECK(callback == "ERR_SERVER_NOT_RUNNING");
}
