// No byte lost at half-close, through the coroutine core: a client sends N
// bytes and ends its side at once while an echo on stream_socket is blocked
// writing them back (issue 14). Every byte must come back, then EOF.
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>

#include <doctest/doctest.h>

#include "../half_close_driver.hpp"
#include "../test_util.hpp"

using namespace coronet;

namespace {

// The echo of test::echo_until_end with read_some into the connection's own buffer.
task<void> echo_connection_read_some(stream_socket s) {
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await s.read_some(buf);
    if (ec || n == 0) break;
    if ((co_await s.write_all(std::span(buf).first(n))).ec) co_return;
  }
  s.shutdown();
}

task<void> serve(loop& l, listener& srv, bool use_receive) {
  for (;;) {
    auto [ec, s] = co_await srv.accept();
    if (ec) co_return;  // closed at the end of the test
    spawn(l, use_receive ? test::echo_until_end(std::move(s)) : echo_connection_read_some(std::move(s)));
  }
}

int attack(const endpoint& where, bool use_receive, int rounds, int parallel) {
  loop l;
  auto srv = test::listen(l, where, {.backlog = 256});
  auto at = *srv.local_endpoint();
  spawn(l, serve(l, srv, use_receive));
  return test::half_close_attack(l, at, rounds, parallel, [&] { srv.close(); });
}

}  // namespace

TEST_CASE("an echo over receive() returns every byte when the FIN arrives during a blocked write") {
  CHECK(attack(endpoint::loopback(AF_INET, 0), true, 2, 4) == 0);
}

TEST_CASE("an echo over read_some() returns every byte when the FIN arrives during a blocked write") {
  CHECK(attack(endpoint::loopback(AF_INET, 0), false, 1, 4) == 0);
}

TEST_CASE("an echo over a Unix socket returns every byte at half-close") {
  auto path = test::temp_socket_path("half-close");
  CHECK(attack(*endpoint::unix_path(path), true, 1, 4) == 0);
  ::unlink(path.c_str());
}
