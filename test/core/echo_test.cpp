// Round trips through a coroutine echo server over every transport.
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;

namespace {

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }

// Echoes with receive() (loop-owned buffers) until the peer ends.
task<void> echo_connection(stream_socket s) {
  for (;;) {
    auto [ec, chunk] = co_await s.receive();
    if (ec || chunk.empty()) break;
    auto [wec, n] = co_await s.write_all(chunk.bytes());
    if (wec) break;
  }
}

task<void> serve(loop& l, listener& srv, int connections) {
  for (int i = 0; i < connections; ++i) {
    auto [ec, s] = co_await srv.accept();
    REQUIRE_FALSE(ec);
    spawn(l, echo_connection(std::move(s)));
  }
}

// Sends `msg`, reads the same number of bytes back with read_some.
task<std::string> round_trip(stream_socket& c, const std::string& msg) {
  auto [wec, n] = co_await c.write_all(bytes_of(msg));
  REQUIRE_FALSE(wec);
  REQUIRE(n == msg.size());
  std::string got(msg.size(), '\0');
  std::size_t have = 0;
  while (have < got.size()) {
    auto [ec, k] = co_await c.read_some(std::as_writable_bytes(std::span(got)).subspan(have));
    REQUIRE_FALSE(ec);
    REQUIRE(k > 0);
    have += k;
  }
  co_return got;
}

void echo_over(const endpoint& at) {
  loop l;
  auto srv = test::listen(l, at);
  auto local = srv.local_endpoint();
  REQUIRE(local);
  spawn(l, serve(l, srv, 1));
  std::string big(200'000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  test::run(l, [&]() -> task<void> {
    auto [cec, c] = co_await connect(l, *local);
    REQUIRE_FALSE(cec);
    CHECK(co_await round_trip(c, "hello") == "hello");
    CHECK(co_await round_trip(c, big) == big);
    CHECK(c.remote_endpoint()->to_string() == local->to_string());
  });
}

}  // namespace

TEST_CASE("echo round trips over TCP on IPv4") { echo_over(endpoint::loopback(AF_INET, 0)); }

TEST_CASE("echo round trips over TCP on IPv6") { echo_over(endpoint::loopback(AF_INET6, 0)); }

TEST_CASE("echo round trips over a Unix socket path") {
  auto path = test::temp_socket_path("echo");
  echo_over(*endpoint::unix_path(path));
  ::unlink(path.c_str());
}

TEST_CASE("echo round trips over an abstract Unix socket") {
  echo_over(*endpoint::unix_path(std::string("\0coronet-echo-", 14) + std::to_string(::getpid())));
}

TEST_CASE("a gathered write sends every buffer in order") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  std::string received;
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    REQUIRE_FALSE(aec);
    char buf[4096];
    for (;;) {
      auto [rec, n] = co_await s.read_some(std::as_writable_bytes(std::span(buf)));
      if (rec || n == 0) break;
      received.append(buf, n);
    }
  });
  std::vector<std::string> parts;
  for (int i = 0; i < 200; ++i) parts.push_back("part" + std::to_string(i) + ";");
  std::string expected;
  for (auto& p : parts) expected += p;
  test::run(l, [&]() -> task<void> {
    auto [cec, c] = co_await connect(l, at);
    REQUIRE_FALSE(cec);
    std::vector<const_buffer> bufs;
    for (auto& p : parts) bufs.push_back(bytes_of(p));
    auto [wec, n] = co_await c.write_all(std::span<const const_buffer>(bufs));
    CHECK_FALSE(wec);
    CHECK(n == expected.size());
    CHECK_FALSE(c.shutdown());
  });
  CHECK(received == expected);
}

TEST_CASE("one loop serves a thousand concurrent connections") {
  // static: g++ 12 misreads a constexpr local captured by a coroutine lambda.
  static constexpr int clients = 1000;
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0), {.backlog = 4096});
  auto at = *srv.local_endpoint();
  spawn(l, serve(l, srv, clients));
  int ok = 0;
  std::vector<stream_socket> keep(clients);
  for (int i = 0; i < clients; ++i) {
    spawn(l, [&, i]() -> task<void> {
      auto [cec, c] = co_await connect(l, at);
      REQUIRE_FALSE(cec);
      std::string msg = "client " + std::to_string(i);
      bool echoed = co_await round_trip(c, msg) == msg;
      keep[i] = std::move(c);  // all stay open until the last one is done
      if (echoed && ++ok == clients) keep.clear();
    });
  }
  l.run();
  CHECK(ok == clients);
}
