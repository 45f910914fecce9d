// No byte lost at half-close, through the node:net layer: a client sends N
// bytes and ends its side at once while a net::socket echo (pipe, or data
// and end listeners) is blocked writing them back (issue 14). Every byte
// must come back, then EOF.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "../../half_close_driver.hpp"
#include "net_test_util.hpp"

using namespace coronet;

namespace {

// Starts `srv` on a free loopback port and runs the loop until it listens.
int listen_on_free_port(loop& l, net::server& srv) {
  int port = 0;
  srv.listen(0, "127.0.0.1", 511, [&] {
    port = test::port_of(srv);
    l.stop();  // run() returns after this turn; the server keeps listening
  });
  test::run_bounded(l);
  REQUIRE(port != 0);
  return port;
}

int attack(std::function<void(net::socket&)> echo, int rounds, int parallel) {
  loop l;
  auto srv = net::create_server(l, {}, std::move(echo));
  const int port = listen_on_free_port(l, *srv);
  return test::half_close_attack(l, endpoint::loopback(AF_INET, port), rounds, parallel, [&] { srv->close(); });
}

}  // namespace

TEST_CASE("a pipe(socket) echo returns every byte when the FIN arrives during a blocked write") {
  CHECK(attack([](net::socket& c) { c.pipe(c.shared_from_this()); }, 2, 4) == 0);
}

TEST_CASE("a data and end echo returns every byte when the FIN arrives during a blocked write") {
  CHECK(attack(
            [](net::socket& c) {
              c.on<"data">([&c](std::string_view chunk) { c.write(chunk); });
              c.on<"end">([&c] { c.end(); });  // after the queued writes
            },
            1, 4) == 0);
}
