// Bad descriptors and addresses are refused with Node's codes, and the
// connection count follows connections that come and go.
#include <coronet/endpoint.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/stream_socket.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// The code of the net::error `fn` throws ("" when it throws none, or another exception).
template <class F>
std::string thrown_code(F fn) {
  try {
    fn();
  } catch (const net::error& e) {
    return std::string(e.code_name());
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("socket_options.fd below zero is ERR_OUT_OF_RANGE") {
  loop l;
  CHECK(thrown_code([&] { net::socket::create(l, {.fd = -5}); }) == "ERR_OUT_OF_RANGE");
}

TEST_CASE("an fd that is not a stream socket is ERR_INVALID_FD_TYPE at construction") {
  loop l;
  int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  CHECK(thrown_code([&] { net::socket::create(l, {.fd = udp}); }) == "ERR_INVALID_FD_TYPE");
  CHECK(thrown_code([&] { net::socket::create(l, {.fd = null}); }) == "ERR_INVALID_FD_TYPE");
  // Not open at all: no Boost (or any other) exception, Node's code.
  CHECK(thrown_code([&] { net::socket::create(l, {.fd = 1 << 20}); }) == "ERR_INVALID_FD_TYPE");
  ::close(udp);
  ::close(null);
}

TEST_CASE("a stream socket fd is adopted") {
  loop l;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  std::string got;
  auto s = net::socket::create(l, {.fd = fds[0]});
  s->on<"data">([&](std::string_view d) {
    got += d;
    s->destroy();
  });
  REQUIRE(::write(fds[1], "hi", 2) == 2);
  test::run_bounded(l);
  CHECK(got == "hi");
  ::close(fds[1]);
}

TEST_CASE("a core stream_socket on a descriptor that is not open fails its operations, never throws") {
  loop l;
  stream_socket s(l, 1 << 20);
  auto r = test::run(l, [&]() -> task<result<std::size_t>> {
    std::byte buf[8];
    co_return co_await s.read_some(buf);
  });
  CHECK(r.ec == std::errc::bad_file_descriptor);
}

TEST_CASE("an address with a NUL inside is refused") {
  using namespace std::string_view_literals;
  auto r = endpoint::ip("127.0.0.1\0evil"sv, 80);
  CHECK(r.ec == std::errc::invalid_argument);
  CHECK(endpoint::ip("127.0.0.1"sv, 80).ec == std::error_code{});
  loop l;
  const std::string evil("127.0.0.1\0evil", 14);
  CHECK(thrown_code([&] { net::connect(l, {.port = 80, .host = evil}); }) == "ERR_INVALID_IP_ADDRESS");
  CHECK(thrown_code([&] { net::create_server(l)->listen({.port = 0, .host = evil}); }) == "ERR_INVALID_IP_ADDRESS");
}

TEST_CASE("get_connections counts down when a connection drops") {
  loop l;
  auto srv = net::create_server(l);
  std::vector<std::size_t> counts;
  std::shared_ptr<net::socket> a, b;
  int accepted = 0;
  srv->on<"connection">([&](net::socket& c) {
    c.on<"close">([&](bool) {
      // Asked in the next turn: the server counts the close after the
      // socket's own `close` listeners have run.
      l.post([&] {
        srv->get_connections([&](const net::error_info* e, std::size_t n) {
          CHECK(e == nullptr);
          counts.push_back(n);
          if (n == 1) b->destroy();
          if (n == 0) srv->close();
        });
      });
    });
    if (++accepted == 2) a->destroy();  // the first client drops
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    a = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    a->on<"connect">([&] { b = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"}); });
  });
  test::run_bounded(l, 5s);
  const std::vector<std::size_t> expected{1, 0};
  CHECK(counts == expected);
}

TEST_CASE("max_connections accepts again once a slot frees") {
  loop l;
  auto srv = net::create_server(l);
  srv->max_connections = 1;
  int connections = 0, drops = 0;
  std::shared_ptr<net::socket> first, second, third;
  auto port = [&] { return test::port_of(*srv); };
  srv->on<"connection">([&](net::socket& c) {
    if (++connections == 1) {
      c.on<"close">([&](bool) {  // the slot is free: the next client gets in
        l.post([&] {
          third = net::connect(l, {.port = port(), .host = "127.0.0.1"});
          third->on<"error">([](const net::error_info&) {});
        });
      });
      return;
    }
    c.end();  // the third client, after the first left
    srv->close();
  });
  srv->on<"drop">([&](const net::drop_info&) {
    if (++drops == 1) first->destroy();  // frees the slot
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    first = net::connect(l, {.port = port(), .host = "127.0.0.1"});
    first->on<"connect">([&] {
      second = net::connect(l, {.port = port(), .host = "127.0.0.1"});
      second->on<"error">([](const net::error_info&) {});
    });
  });
  test::run_bounded(l, 5s);
  CHECK(drops == 1);
  CHECK(connections == 2);
}
