// net::bound_socket (Node's BoundSocket), source bindings, adopted
// descriptors, and errors nobody listens to.
#include <coronet/error.hpp>
#include <coronet/net/bound_socket.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

using namespace coronet;

namespace {
std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const net::error& e) {
    return std::string(e.code_name());
  } catch (const std::system_error& e) {
    return error_name(e.code());
  }
  return "no exception";
}
}  // namespace

TEST_CASE("a bound_socket reserves a port synchronously and a server adopts it") {
  loop l;
  net::bound_socket bound({.host = "127.0.0.1"});
  auto reserved = std::get<net::address_info>(bound.address());
  CHECK(reserved.port > 0);
  CHECK(reserved.family == "IPv4");
  CHECK_FALSE(bound.is_pipe());
  CHECK(bound.fd() >= 0);
  // A port a listener holds cannot be bound: EADDRINUSE, thrown at once.
  auto busy = test::listen(l, endpoint::loopback(AF_INET, 0));
  int busy_port = busy.local_endpoint()->port();
  CHECK(code_of([&] { net::bound_socket again({.host = "127.0.0.1", .port = busy_port}); }) == "EADDRINUSE");
  busy.close();

  std::string got;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("adopted"); });
  srv->listen({.handle = &bound}, [&] {
    CHECK(std::get<net::address_info>(srv->address()).port == reserved.port);
    auto c = net::connect(l, {.port = reserved.port, .host = "127.0.0.1"});
    c->on<"data">([&](std::string_view d) { got += d; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  CHECK(code_of([&] { bound.address(); }) == "ERR_SOCKET_HANDLE_ADOPTED");
  CHECK(code_of([&] { bound.fd(); }) == "ERR_SOCKET_HANDLE_ADOPTED");
  CHECK(code_of([&] { bound.close(); }) == "ERR_SOCKET_HANDLE_ADOPTED");
  test::run_bounded(l);
  CHECK(got == "adopted");
}

TEST_CASE("a client adopting a bound_socket connects from its address and port") {
  loop l;
  net::bound_socket source({.host = "127.0.0.1"});
  int source_port = std::get<net::address_info>(source.address()).port;
  int seen_port = 0;
  auto srv = net::create_server(l, [&](net::socket& s) {
    seen_port = s.remote_port();
    s.end();
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::socket::create(l, {.handle = &source});
    c->connect(test::port_of(*srv), "127.0.0.1");
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(seen_port == source_port);
}

TEST_CASE("bound_socket options are checked as Node checks them") {
  CHECK(code_of([] { net::bound_socket b({.port = 70000}); }) == "ERR_SOCKET_BAD_PORT");
  CHECK(code_of([] { net::bound_socket b({.host = "localhost"}); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(code_of([] { net::bound_socket b({.port = 1, .path = "/tmp/x"}); }) == "ERR_INVALID_ARG_VALUE");
}

TEST_CASE("closing a pipe bound_socket removes its path; an abstract one has none") {
  auto path = test::temp_socket_path("bound");
  {
    net::bound_socket b({.path = path});
    CHECK(b.is_pipe());
    CHECK(std::get<std::string>(b.address()) == path);
    CHECK(::access(path.c_str(), F_OK) == 0);
    b.close();
    CHECK(::access(path.c_str(), F_OK) != 0);
  }
  net::bound_socket abstract({.path = std::string("\0coronet-bound", 14)});
  CHECK(abstract.is_pipe());
}

TEST_CASE("connect binds localAddress and localPort first") {
  loop l;
  int free_port = 0;
  {
    net::bound_socket probe({.host = "127.0.0.1"});
    free_port = std::get<net::address_info>(probe.address()).port;
  }
  int seen_port = 0;
  std::string seen_address;
  auto srv = net::create_server(l, [&](net::socket& s) {
    seen_port = s.remote_port();
    seen_address = s.remote_address();
    s.end();
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv),
                              .host = "127.0.0.1",
                              .local_address = "127.0.0.2",
                              .local_port = free_port,
                              .no_delay = true,
                              .keep_alive = true});
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(seen_port == free_port);
  CHECK(seen_address == "127.0.0.2");
}

TEST_CASE("a socket adopts an open descriptor with the fd option") {
  loop l;
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  auto a = net::socket::create(l, {.fd = pair[0]});
  auto b = net::socket::create(l, {.fd = pair[1]});
  CHECK(a->ready_state() == "open");
  std::string got;
  b->on<"data">([&](std::string_view d) { got += d; });
  b->on<"end">([&] { b->end(); });
  a->end("over a socketpair");
  test::run_bounded(l);
  CHECK(got == "over a socketpair");
}

TEST_CASE("an error event nobody listens to reaches the loop's handler") {
  loop l;
  int reported = 0;
  std::string what;
  l.set_exception_handler([&](std::exception_ptr e) {
    ++reported;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    }
  });
  auto c = net::connect(l, {.path = test::temp_socket_path("nobody")});
  test::run_bounded(l);
  CHECK(reported == 1);
  CHECK(what.find("connect ENOENT") == 0);
}

TEST_CASE("listening on a Unix path in a directory the user may not write is EACCES") {
  // Runs as an unprivileged user in a child: root may write anywhere.
  char dir[] = "/tmp/coronet-eacces-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  ::chmod(dir, 0555);  // nobody but root may create entries here
  std::string path = std::string(dir) + "/server.sock";
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    loop l;
    std::string code;
    auto srv = net::create_server(l);
    srv->on<"error">([&](const net::error_info& e) { code = e.code; });
    srv->listen(path);
    l.run();
    ::_exit(code == "EACCES" ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::rmdir(dir);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) {
    MESSAGE("skipped: could not drop privileges");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
