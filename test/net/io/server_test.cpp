// Server behaviours from Node's test-net-server-*.js and test-net-listen-*.js.
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

TEST_CASE("listen on port 0 picks a free port and address reports it") {
  loop l;
  auto srv = net::create_server(l);
  bool listening = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    listening = true;
    auto a = std::get<net::address_info>(srv->address());
    CHECK(a.address == "127.0.0.1");
    CHECK(a.family == "IPv4");
    CHECK(a.port > 0);
    CHECK(srv->listening());
    srv->close();
  });
  CHECK_FALSE(listening);  // `listening` comes later, never inside listen()
  test::run_bounded(l);
  CHECK(listening);
  CHECK(std::holds_alternative<std::monostate>(srv->address()));
}

TEST_CASE("listen without a host takes IPv6 and IPv4 on ::") {
  loop l;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("v4 ok"); });
  std::string got;
  srv->listen(0, [&] {
    auto a = std::get<net::address_info>(srv->address());
    CHECK(a.address == "::");
    CHECK(a.family == "IPv6");
    auto c = net::connect(l, {.port = a.port, .host = "127.0.0.1"});
    c->on<"data">([&](std::string_view d) { got += d; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(got == "v4 ok");
}

TEST_CASE("listening twice throws ERR_SERVER_ALREADY_LISTEN") {
  loop l;
  auto srv = net::create_server(l);
  srv->listen(0, "127.0.0.1");
  try {
    srv->listen(0, "127.0.0.1");
    FAIL("listen did not throw");
  } catch (const net::error& e) {
    CHECK(e.code_name() == "ERR_SERVER_ALREADY_LISTEN");
  }
  srv->close();
  test::run_bounded(l);
}

TEST_CASE("a bad port throws ERR_SOCKET_BAD_PORT") {
  loop l;
  auto srv = net::create_server(l);
  for (int bad : {-1, 65536, 100000}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(srv->listen(bad), net::error);
  }
}

TEST_CASE("EADDRINUSE arrives as an error event and listen may be called again") {
  loop l;
  auto first = net::create_server(l);
  auto second = net::create_server(l);
  int errors = 0;
  bool retried_ok = false;
  first->listen(0, "127.0.0.1", 511, [&] {
    int port = test::port_of(*first);
    second->on<"error">([&, port](const net::error_info& e) {
      ++errors;
      CHECK(e.code == "EADDRINUSE");
      CHECK(e.syscall == "listen");
      CHECK(e.message == "listen EADDRINUSE: address already in use 127.0.0.1:" + std::to_string(port));
      second->listen(0, "127.0.0.1", 511, [&] {
        retried_ok = true;
        second->close();
        first->close();
      });
    });
    second->listen(port, "127.0.0.1");
  });
  test::run_bounded(l);
  CHECK(errors == 1);
  CHECK(retried_ok);
}

TEST_CASE("close on a server that is not running reports ERR_SERVER_NOT_RUNNING") {
  loop l;
  auto srv = net::create_server(l);
  std::string code;
  srv->close([&](const net::error_info* e) { code = e ? e->code : "none"; });
  test::run_bounded(l);
  CHECK(code == "ERR_SERVER_NOT_RUNNING");
}

TEST_CASE("server close waits for open connections") {
  loop l;
  bool server_closed = false;
  bool closed_before_client = false;
  std::shared_ptr<net::socket> client;
  auto srv = net::create_server(l);
  srv->on<"connection">([&](net::socket&) {
    // One connection is open: close now, `close` must wait for it.
    srv->close([&](const net::error_info* e) {
      CHECK(e == nullptr);
      server_closed = true;
    });
    srv->get_connections([](const net::error_info* e, std::size_t n) {
      CHECK(e == nullptr);
      CHECK(n == 1);
    });
    spawn(l, [&]() -> task<void> {
      co_await sleep_for(l, 30ms);
      closed_before_client = server_closed;
      client->end();
    });
  });
  srv->listen(0, "127.0.0.1", 511,
              [&] { client = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"}); });
  test::run_bounded(l);
  CHECK_FALSE(closed_before_client);
  CHECK(server_closed);
}

TEST_CASE("max_connections 0 drops every connection with a drop event") {
  loop l;
  auto srv = net::create_server(l);
  srv->max_connections = 0;
  int connections = 0, drops = 0;
  bool client_closed = false;
  srv->on<"connection">([&](net::socket&) { ++connections; });
  srv->on<"drop">([&](const net::drop_info& d) {
    ++drops;
    CHECK(d.local_address == "127.0.0.1");
    CHECK(d.remote_address == "127.0.0.1");
    CHECK(d.remote_family == "IPv4");
    CHECK(d.remote_port > 0);
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"error">([](const net::error_info&) {});
    c->on<"close">([&](bool) {
      client_closed = true;
      srv->close();
    });
  });
  test::run_bounded(l);
  CHECK(connections == 0);
  CHECK(drops == 1);
  CHECK(client_closed);
}

TEST_CASE("a client on the server's block list never reaches connection") {
  loop l;
  net::block_list blocked;
  blocked.add_address("127.0.0.1");
  auto srv = net::create_server(l, {.block_list = &blocked});
  int connections = 0;
  srv->on<"connection">([&](net::socket&) { ++connections; });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"error">([](const net::error_info&) {});
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(connections == 0);
}

TEST_CASE("an unreferenced server does not keep the loop running") {
  loop l;
  auto srv = net::create_server(l);
  srv->listen(0, "127.0.0.1");
  srv->unref();
  auto start = std::chrono::steady_clock::now();
  l.run();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(srv->listening());
  srv->ref();
  srv->close();
  test::run_bounded(l);
}

TEST_CASE("a Unix socket server reports its path and unlinks it on close") {
  loop l;
  auto path = test::temp_socket_path("net");
  auto srv = net::create_server(l, [](net::socket& s) { s.end("unix"); });
  std::string got;
  srv->listen({.path = path, .readable_all = true, .writable_all = true}, [&] {
    CHECK(std::get<std::string>(srv->address()) == path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0666) == 0666);
    auto c = net::connect(l, {.path = path});
    c->on<"data">([&](std::string_view d) { got += d; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(got == "unix");
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("an abstract Unix socket name works for listen and connect") {
  loop l;
  std::string name = std::string("\0coronet-net-", 13) + std::to_string(::getpid());
  auto srv = net::create_server(l, [](net::socket& s) { s.end("abstract"); });
  std::string got;
  srv->listen(name, [&] {
    auto c = net::connect(l, {.path = name});
    c->on<"data">([&](std::string_view d) { got += d; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(got == "abstract");
}

TEST_CASE("Unix path errors: ENOENT to connect, too long to listen") {
  loop l;
  std::string code_missing, code_long;
  auto c = net::connect(l, {.path = test::temp_socket_path("absent")});
  c->on<"error">([&](const net::error_info& e) {
    code_missing = e.code;
    CHECK(e.syscall == "connect");
  });
  auto srv = net::create_server(l);
  srv->on<"error">([&](const net::error_info& e) { code_long = e.code; });
  srv->listen("/tmp/" + std::string(200, 'x'));
  test::run_bounded(l);
  CHECK(code_missing == "ENOENT");
  CHECK(code_long == "ENAMETOOLONG");
}

TEST_CASE("listening on a Unix path in a directory we may not write is EACCES") {
  if (::geteuid() == 0) {
    MESSAGE("skipped: root may write anywhere");
    return;
  }
  loop l;
  std::string code;
  auto srv = net::create_server(l);
  srv->on<"error">([&](const net::error_info& e) { code = e.code; });
  srv->listen("/proc/coronet.sock");
  test::run_bounded(l);
  CHECK(code == "EACCES");
}

TEST_CASE("a stop request on the listen signal closes the server") {
  loop l;
  std::stop_source stop;
  bool closed = false;
  auto srv = net::create_server(l);
  srv->on<"close">([&] { closed = true; });
  srv->listen({.port = 0, .host = "127.0.0.1", .signal = stop.get_token()}, [&] { stop.request_stop(); });
  test::run_bounded(l);
  CHECK(closed);
  CHECK_FALSE(srv->listening());
}
