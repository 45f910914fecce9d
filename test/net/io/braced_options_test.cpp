// The braced option forms a user writes inside coroutines. In the g++ build
// this program is compiled with AddressSanitizer: g++ 12 destroyed a braced
// temporary that owned strings twice when it sat inside a co_await
// expression (`free(): invalid pointer`), so each form here would abort.
// The Unix paths are long so that their strings live on the heap, where a
// second destruction is a bad free rather than nothing.
#include <coronet/net/promises.hpp>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
std::string long_path(const char* tag) { return test::temp_socket_path(tag) + "-long-enough-for-the-heap"; }
}  // namespace

TEST_CASE("promises::listen and promises::connect take braced options inside co_await (Unix path)") {
  loop l;
  auto srv = net::create_server(l);
  srv->on<"connection">([](net::socket& s) { s.end("from the server"); });
  const std::string path = long_path("braced-unix");
  std::string got;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.path = path, .backlog = 8});
    REQUIRE_FALSE(err);
    auto [e, sock] = co_await net::promises::connect(l, {.path = path});
    REQUIRE_FALSE(e);
    auto chunks = net::promises::chunks(*sock);
    while (auto c = co_await chunks.next()) got += *c;
    srv->close();
  });
  test::run_bounded(l);
  CHECK(got == "from the server");
}

TEST_CASE("braced TCP options with a signal, a host and connect options inside co_await") {
  loop l;
  auto srv = net::create_server(l);
  srv->on<"connection">([](net::socket& s) { s.end("tcp"); });
  bool server_closed = false;
  srv->on<"close">([&] { server_closed = true; });
  std::stop_source stop;
  const std::stop_token token = stop.get_token();
  std::string got;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.port = 0, .host = "127.0.0.1", .signal = token});
    REQUIRE_FALSE(err);
    const std::string host = "127.0.0.1";
    auto [e, sock] = co_await net::promises::connect(
        l, {.port = test::port_of(*srv), .host = host, .local_address = host, .no_delay = true, .timeout = 5000u});
    REQUIRE_FALSE(e);
    CHECK(sock->local_address() == "127.0.0.1");
    auto chunks = net::promises::chunks(*sock);
    while (auto c = co_await chunks.next()) got += *c;
    stop.request_stop();  // the signal closes the server
  });
  test::run_bounded(l);
  CHECK(got == "tcp");
  CHECK(server_closed);
}

TEST_CASE("a braced promises::connect that fails rejects with the error, the path in it") {
  loop l;
  const std::string path = long_path("braced-missing");
  std::optional<net::error_info> error;
  spawn(l, [&]() -> task<void> {
    auto r = co_await net::promises::connect(l, {.path = path});
    error = r.error;
  });
  test::run_bounded(l);
  REQUIRE(error);
  CHECK(error->code == "ENOENT");
  CHECK(error->message.find(path) != std::string::npos);
}

TEST_CASE("net::connect and server::listen take braced options inside a coroutine") {
  loop l;
  auto srv = net::create_server(l);
  srv->on<"connection">([](net::socket& s) { s.end("plain"); });
  const std::string path = long_path("braced-plain");
  std::string got;
  spawn(l, [&]() -> task<void> {
    srv->listen({.path = path, .backlog = 8});
    co_await net::promises::once<"listening">(*srv);
    auto sock = net::connect(l, {.path = path});
    auto chunks = net::promises::chunks(*sock);
    while (auto c = co_await chunks.next()) got += *c;
    srv->close();
  });
  test::run_bounded(l);
  CHECK(got == "plain");
}
