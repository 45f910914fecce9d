// The coroutine forms of Node's net/promises, events.once and for-await.
#include <coronet/net/promises.hpp>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

TEST_CASE("a coroutine server and client: listen, connections one by one, chunks one by one") {
  loop l;
  // Half-open: the server answers after reading the client's whole message.
  auto srv = net::create_server(l, {.allow_half_open = true});
  std::vector<std::string> server_saw;
  std::string client_got;
  spawn(l, [&]() -> task<void> {
    // A named variable, not a braced temporary: g++ 12 mis-moves temporaries
    // that hold a std::string into a coroutine frame across a co_await.
    net::server_listen_options where{.port = 0, .host = "127.0.0.1"};
    auto err = co_await net::promises::listen(*srv, where);
    REQUIRE_FALSE(err);
    int port = test::port_of(*srv);
    spawn(l, [&, port]() -> task<void> {
      for (int i = 0; i < 2; ++i) {
        net::connect_options to{.port = port, .host = "127.0.0.1"};
        auto [e, sock] = co_await net::promises::connect(l, to);
        REQUIRE_FALSE(e);
        auto werr = co_await net::promises::write(*sock, "client " + std::to_string(i));
        CHECK_FALSE(werr);
        sock->end();
        auto chunks = net::promises::chunks(*sock);
        while (auto c = co_await chunks.next()) client_got += *c;
      }
      srv->close();
    });
    auto conns = net::promises::connections(*srv);
    while (auto s = co_await conns.next()) {
      auto chunks = net::promises::chunks(*s);
      std::string all;
      while (auto c = co_await chunks.next()) all += *c;
      server_saw.push_back(all);
      s->end("ack;");
    }
  });
  test::run_bounded(l);
  CHECK(server_saw == std::vector<std::string>{"client 0", "client 1"});
  CHECK(client_got == "ack;ack;");
}

TEST_CASE("promises::connect rejects with the error") {
  loop l;
  std::optional<net::error_info> err;
  spawn(l, [&]() -> task<void> {
    net::connect_options to{.path = "/nonexistent/coronet.sock"};
    auto r = co_await net::promises::connect(l, to);
    err = r.error;
    CHECK_FALSE(r.value);
  });
  test::run_bounded(l);
  REQUIRE(err);
  CHECK(err->code == "ENOENT");
}

TEST_CASE("once resolves with the event's arguments, kept beyond the emit") {
  loop l;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("bye"); });
  std::optional<std::tuple<bool>> closed;
  std::optional<std::tuple<std::string>> first_data;
  spawn(l, [&]() -> task<void> {
    net::server_listen_options where{.port = 0, .host = "127.0.0.1"};
    co_await net::promises::listen(*srv, where);
    auto sock = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    auto connected = co_await net::promises::once<"connect">(*sock);
    CHECK(connected.has_value());
    first_data = co_await net::promises::once<"data">(*sock);
    closed = co_await net::promises::once<"close">(*sock);
    srv->close();
  });
  test::run_bounded(l);
  REQUIRE(first_data);
  CHECK(std::get<0>(*first_data) == "bye");
  REQUIRE(closed);
  CHECK(std::get<0>(*closed) == false);
}

TEST_CASE("a stop request ends a wait for an event that never comes") {
  loop l;
  std::stop_source stop;
  bool resolved = true;
  auto srv = net::create_server(l);
  spawn(l, [&]() -> task<void> {
    net::server_listen_options where{.port = 0, .host = "127.0.0.1"};
    co_await net::promises::listen(*srv, where);
    spawn(l, [&]() -> task<void> {
      co_await sleep_for(l, 20ms);
      stop.request_stop();
    });
    auto conns = net::promises::connections(*srv, stop.get_token());
    auto s = co_await conns.next();
    resolved = s != nullptr;
    srv->close();
  });
  test::run_bounded(l);
  CHECK_FALSE(resolved);
}
