// node:net objects on a loop that is destroyed while they are live (the rule
// is at the top of include/coronet/loop.hpp): servers close and remove their
// Unix socket file, sockets emit `close` and no `error`, lookups in flight
// end, and nothing runs after the loop is gone.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/spawn.hpp>
#include <coronet/timer.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

TEST_CASE("a loop destroyed with busy connections closes them, the server and its Unix path") {
  const auto path = test::temp_socket_path("net-teardown");
  const int fds_before = test::open_fd_count();
  bool gone = false;
  int closes = 0, errors = 0, late = 0, server_closed = 0, connected = 0;
  {
    std::optional<loop> l(std::in_place);
    auto srv = net::create_server(*l, [&](net::socket& c) {
      c.on<"close">([&](bool) { ++closes, late += gone; });
      c.on<"error">([&](const net::error_info&) { ++errors; });
      c.pipe(c.shared_from_this());
    });
    srv->on<"close">([&] { ++server_closed, late += gone; });
    srv->listen(net::server_listen_options{.path = path});
    std::vector<std::shared_ptr<net::socket>> clients;
    for (int i = 0; i < 20; ++i) {
      auto c = net::connect(*l, {.path = path});
      c->on<"connect">([&connected, &c = *c] {
        ++connected;
        c.write(std::string(256 * 1024, 'x'));  // more than the buffers take: writes stay pending
      });
      c->on<"close">([&](bool) { ++closes, late += gone; });
      c->on<"error">([&](const net::error_info&) { ++errors; });
      clients.push_back(c);
    }
    for (int i = 0; i < 2000 && connected < 20; ++i) l->run_once();
    REQUIRE(connected == 20);
    // Let the echoes run until every buffer is full; the timer makes sure a
    // turn ends even when nothing else moves.
    bool settled = false;
    spawn(*l, [&]() -> task<void> {
      co_await sleep_for(*l, 50ms);
      settled = true;
    });
    while (!settled) l->run_once();
    REQUIRE(exists(path));
    clients.clear();
    srv.reset();
    l.reset();
    gone = true;
  }
  CHECK(closes == 40);
  CHECK(errors == 0);
  CHECK(server_closed == 1);
  CHECK(late == 0);
  CHECK_FALSE(exists(path));
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("a loop destroyed during a name lookup ends the connect, and the late answer goes nowhere") {
  int closes = 0, errors = 0;
  {
    loop l;
    auto c = net::connect(l, {.port = 9, .host = "localhost"});  // the lookup runs on the resolver pool
    c->on<"close">([&](bool) { ++closes; });
    c->on<"error">([&](const net::error_info&) { ++errors; });
  }
  CHECK(closes == 1);
  CHECK(errors == 0);
  std::this_thread::sleep_for(300ms);  // the pool thread answers a loop that is gone
}

TEST_CASE("a loop destroyed with a pending connect and a socket timeout ends both") {
  int closes = 0;
  {
    loop l;
    auto srv = net::create_server(l);
    srv->listen(0, "127.0.0.1");
    l.run_once();
    const int port = test::port_of(*srv);
    auto c = net::connect(l, {.port = port, .host = "127.0.0.1", .timeout = 60'000});
    c->on<"close">([&](bool) { ++closes; });
    srv.reset();
    c.reset();
  }
  CHECK(closes == 1);
}
