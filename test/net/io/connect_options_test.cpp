// net.connect options and socket ending modes, as Node documents them.
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "net/lookup.hpp"
#include "net_test_util.hpp"

#include <netdb.h>

#include <memory>
#include <optional>

using namespace coronet;
using namespace std::chrono_literals;

TEST_CASE("a blocked address is refused with ERR_IP_BLOCKED before any connect") {
  loop l;
  net::block_list blocked;
  blocked.add_subnet("127.0.0.0", 8);
  int connections = 0;
  net::error_info seen;
  auto srv = net::create_server(l, [&](net::socket&) { ++connections; });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1", .block_list = &blocked});
    c->on<"error">([&](const net::error_info& e) { seen = e; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(connections == 0);
  CHECK(seen.code == "ERR_IP_BLOCKED");
  CHECK(seen.message == "IP(127.0.0.1) is blocked by net.BlockList");
}

TEST_CASE("a custom lookup decides the address, and the lookup event reports it") {
  loop l;
  std::string asked_host;
  std::string reported;
  bool connected = false;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    net::connect_options o{.port = test::port_of(*srv), .host = "service.internal"};
    o.lookup = [&](std::string_view host, int, net::lookup_callback done) {
      asked_host = host;
      l.post([done] { done(nullptr, "127.0.0.1", 4); });  // answers later, as a resolver does
    };
    auto c = net::connect(l, o);
    c->on<"lookup">(
        [&](const net::error_info*, std::string_view address, int, std::string_view) { reported = address; });
    c->on<"connect">([&] { connected = true; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(asked_host == "service.internal");
  CHECK(reported == "127.0.0.1");
  CHECK(connected);
}

TEST_CASE("destroy() during a lookup abandons it: the late answer connects nothing") {
  loop l;
  int connections = 0, connects = 0, closes = 0, errors = 0;
  bool asked = false;
  std::optional<deadline> late;
  std::shared_ptr<net::socket> c;
  auto srv = net::create_server(l, [&](net::socket&) { ++connections; });
  srv->listen(0, "127.0.0.1", 511, [&] {
    net::connect_options o{.port = test::port_of(*srv), .host = "slow.internal"};
    o.lookup = [&](std::string_view, int, net::lookup_callback done) {
      asked = true;
      l.post([&] { c->destroy(); });  // while the lookup is in flight
      late.emplace(l, [&, done] {     // the answer comes after the socket is gone
        done(nullptr, "127.0.0.1", 4);
        l.post([&] { srv->close(); });
      });
      late->ref();
      late->expires_after(std::chrono::milliseconds(20));
    };
    c = net::connect(l, o);
    c->on<"connect">([&] { ++connects; });
    c->on<"error">([&](const net::error_info&) { ++errors; });
    c->on<"close">([&](bool) { ++closes; });
  });
  test::run_bounded(l);
  CHECK(asked);
  CHECK(connects == 0);
  CHECK(connections == 0);
  CHECK(errors == 0);
  CHECK(closes == 1);
  CHECK(c->destroyed());
}

TEST_CASE("a connect with no family asks getaddrinfo for AI_ADDRCONFIG, as Node does") {
  CHECK(net::detail::connect_hints(0, 0) == AI_ADDRCONFIG);
  CHECK(net::detail::connect_hints(4, 0) == 0);
  CHECK(net::detail::connect_hints(6, 0) == 0);
  CHECK(net::detail::connect_hints(0, AI_V4MAPPED) == AI_V4MAPPED);  // the caller's hints win
}

TEST_CASE("a failing custom lookup errors the socket with its error") {
  loop l;
  std::string code;
  net::connect_options o{.port = 80, .host = "nowhere.internal"};
  o.lookup = [](std::string_view, int, net::lookup_callback done) {
    net::error_info e = net::error_info::system(std::make_error_code(std::errc::host_unreachable), "getaddrinfo");
    e.code = "ENOTFOUND";
    done(&e, {}, 0);
  };
  auto c = net::connect(l, o);
  c->on<"error">([&](const net::error_info& e) { code = e.code; });
  test::run_bounded(l);
  CHECK(code == "ENOTFOUND");
}

TEST_CASE("IPv6: ::1 connects, and ipv6_only keeps IPv4 clients out") {
  loop l;
  std::string got;
  std::string v4_error;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("six"); });
  srv->listen({.port = 0, .host = "::", .ipv6_only = true}, [&] {
    int port = test::port_of(*srv);
    auto c6 = net::connect(l, {.port = port, .host = "::1", .family = 6});
    c6->on<"data">([&](std::string_view d) { got += d; });
    c6->on<"close">([&, port](bool) {
      auto c4 = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c4->on<"error">([&](const net::error_info& e) { v4_error = e.code; });
      c4->on<"close">([&](bool) { srv->close(); });
    });
  });
  test::run_bounded(l);
  CHECK(got == "six");
  CHECK(v4_error == "ECONNREFUSED");
}

TEST_CASE("the timeout connect option arms set_timeout") {
  loop l;
  int timeouts = 0;
  auto srv = net::create_server(l, [](net::socket&) {});
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1", .timeout = 30});
    CHECK(c->timeout() == 30u);
    c->on<"timeout">([&, c] {
      ++timeouts;
      c->destroy();
      srv->close();
    });
  });
  test::run_bounded(l);
  CHECK(timeouts == 1);
}

TEST_CASE("destroy_soon flushes queued writes, sends FIN, then closes") {
  loop l;
  std::string received;
  bool client_closed = false;
  const std::string payload(256 * 1024, 'd');
  std::shared_ptr<net::server> srv;
  srv = net::create_server(l, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { received += d; });
    s.on<"end">([&] { srv->close(); });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->write(payload);
    c->destroy_soon();
    c->on<"close">([&](bool had_error) {
      CHECK_FALSE(had_error);
      client_closed = true;
    });
  });
  test::run_bounded(l);
  CHECK(received.size() == payload.size());
  CHECK(client_closed);
}

TEST_CASE("end with data and a callback: the data arrives, finish fires once") {
  loop l;
  std::string received;
  int finishes = 0;
  std::shared_ptr<net::server> srv;
  srv = net::create_server(l, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { received += d; });
    s.on<"end">([&] { srv->close(); });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->end("last words", [&] { ++finishes; });
    c->end();  // a second end is a no-op
  });
  test::run_bounded(l);
  CHECK(received == "last words");
  CHECK(finishes == 1);
}

TEST_CASE("write with an encoding sends the bytes Buffer.from would make") {
  loop l;
  std::string received;
  std::shared_ptr<net::server> srv;
  srv = net::create_server(l, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { received += d; });
    s.on<"end">([&] { srv->close(); });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->write("68656c6c6f", "hex");
    c->write("IHdv", "base64");
    c->write("rld", "utf8");
    c->write("\xC3\xA9", "latin1");  // U+00E9 as one byte
    CHECK_THROWS_AS(c->write("x", "klingon"), net::error);
    c->end();
  });
  test::run_bounded(l);
  CHECK(received == "hello world\xE9");
}
