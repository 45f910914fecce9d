// Socket behaviours checked against Node 26 (scripts/node26.sh): each case
// was first run as a small JS snippet; the comment says what Node printed.
#include <coronet/net/errors.hpp>
#include <coronet/net/promises.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <limits>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
std::shared_ptr<net::server> serve(loop& l, std::function<void(net::socket&)> handler, std::function<void(int)> ready,
                                   net::server_options o = {}) {
  auto srv = net::create_server(l, o, std::move(handler));
  srv->listen(0, "127.0.0.1", 511, [srv, ready = std::move(ready)] { ready(test::port_of(*srv)); });
  return srv;
}

template <class F>
std::string thrown(F fn) {
  try {
    fn();
  } catch (const net::error& e) {
    return std::string(e.code_name()) + ": " + e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("bytes_written counts a write at once and restarts on reconnect") {
  loop l;
  std::vector<std::uint64_t> seen;
  int connects = 0;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.resume(); },
      [&](int port) {
        auto c = net::socket::create(l);
        c->connect(port, "127.0.0.1");
        c->write("1234567");
        seen.push_back(c->bytes_written());  // Node 26: bytesWritten 7 while connecting
        c->on<"connect">([&, c] {
          if (++connects == 1) {
            c->destroy();
            return;
          }
          seen.push_back(c->bytes_written());  // a fresh connection counts from 0
          c->end();
        });
        c->on<"close">([&, c, port](bool) {
          if (connects == 1) {
            c->connect(port, "127.0.0.1");
          } else {
            srv->close();
          }
        });
      });
  test::run_bounded(l);
  CHECK(seen == std::vector<std::uint64_t>{7, 0});
}

TEST_CASE("end(data, encoding, cb): the callback runs before finish, and again after finish") {
  loop l;
  std::vector<std::string> order;
  std::string got;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [&](net::socket& s) { s.on<"data">([&](std::string_view d) { got += d; }); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"finish">([&] { order.push_back("finish"); });
        c->end("68690a", "hex", [&] { order.push_back("end cb"); });
        c->on<"close">([&, c](bool) {
          order.push_back("close");
          c->end([&] { order.push_back("end cb after finish"); });
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26: end cb, finish, close, end cb after finish.
  CHECK(order == std::vector<std::string>{"end cb", "finish", "close", "end cb after finish"});
  CHECK(got == "hi\n");
}

TEST_CASE("writing after our own end, inside end, with allow_half_open false: EPIPE, one error") {
  loop l;
  std::vector<std::string> order;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"end">([&, c] {
          c->end();
          c->write("x", [&](const net::error_info* e) { order.push_back(std::string("cb ") + (e ? e->code : "ok")); });
        });
        c->on<"error">([&](const net::error_info& e) { order.push_back("error " + e.code + " " + e.message); });
        c->on<"close">([&](bool) {
          order.push_back("close");
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26: write cb EPIPE, error EPIPE This socket has been ended by the other party, close.
  CHECK(order ==
        std::vector<std::string>{"cb EPIPE", "error EPIPE This socket has been ended by the other party", "close"});
}

TEST_CASE("write while connecting, then destroy(err): error, write callback, close") {
  loop l;
  std::vector<std::string> order;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->write("x", [&](const net::error_info* e) { order.push_back(std::string("cb ") + (e ? e->code : "ok")); });
        c->on<"error">([&](const net::error_info& e) { order.push_back("error " + e.message); });
        c->on<"close">([&](bool) {
          order.push_back("close");
          srv->close();
        });
        c->destroy(net::error_info::node({}, "boom"));
      });
  test::run_bounded(l);
  // Node 26: error boom, write cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION, close.
  CHECK(order == std::vector<std::string>{"error boom", "cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "close"});
}

TEST_CASE("destroy(err) right after a write: the write succeeds, then error, then close") {
  loop l;
  std::vector<std::string> order;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connect">([&, c] {
          c->write("queued", [&](const net::error_info* e) { order.push_back("cb " + (e ? e->message : "ok")); });
          c->destroy(net::error_info::node({}, "boom"));
        });
        c->on<"error">([&](const net::error_info& e) { order.push_back("error " + e.message); });
        c->on<"close">([&](bool) {
          order.push_back("close");
          srv->close();
        });
      });
  test::run_bounded(l);
  // Node 26 sends such a write at once; destroy() sends what is queued:
  // cb ok, error boom, close.
  CHECK(order == std::vector<std::string>{"cb ok", "error boom", "close"});
}

TEST_CASE("reset_and_destroy on a socket that never connected emits ERR_SOCKET_CLOSED") {
  loop l;
  std::string error;
  bool closed = false;
  auto c = net::socket::create(l);
  c->on<"error">([&](const net::error_info& e) { error = e.code + ": " + e.message; });
  c->on<"close">([&](bool) { closed = true; });
  c->reset_and_destroy();
  test::run_bounded(l);
  CHECK(error == "ERR_SOCKET_CLOSED: Socket is closed");  // Node 26: C error ERR_SOCKET_CLOSED Socket is closed
  CHECK(closed);
}

TEST_CASE("drain comes before the callbacks of the writes that emptied the queue") {
  loop l;
  std::vector<std::string> order;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.resume(); },
      [&](int port) {
        auto c = net::socket::create(l, {.high_water_mark = 4});
        c->connect(port, "127.0.0.1", [&, c] {
          CHECK_FALSE(c->write("123456", [&](const net::error_info*) { order.push_back("cb1"); }));
          c->on<"drain">([&, c] {
            order.push_back("drain");
            c->end();
          });
        });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(order == std::vector<std::string>{"drain", "cb1"});
}

TEST_CASE("the default writable high-water mark is Node 26's 65536") {
  loop l;
  CHECK(net::socket::create(l)->writable_high_water_mark() == 65536);  // Node 26: hwm 65536
}

TEST_CASE("set_timeout refuses negative, NaN and infinite times; timeout reads 0 after set_timeout(0)") {
  loop l;
  auto c = net::socket::create(l);
  const std::string prefix =
      "ERR_OUT_OF_RANGE: The value of \"msecs\" is out of range. It must be a non-negative finite number. Received ";
  CHECK(thrown([&] { c->set_timeout(-1); }) == prefix + "-1");
  CHECK(thrown([&] { c->set_timeout(std::nan("")); }) == prefix + "NaN");
  CHECK(thrown([&] { c->set_timeout(std::numeric_limits<double>::infinity()); }) == prefix + "Infinity");
  CHECK(thrown([&] { c->set_timeout(-5ms); }) == prefix + "-5");
  CHECK_FALSE(c->timeout().has_value());  // Node 26: undefined before any setTimeout
  c->set_timeout(10ms);
  CHECK(c->timeout() == 10.0);
  c->set_timeout(0);
  REQUIRE(c->timeout().has_value());
  CHECK(*c->timeout() == 0.0);
}

TEST_CASE("a stop request destroys a connecting socket with an AbortError") {
  loop l;
  std::stop_source stop;
  std::optional<net::error_info> failed;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket&) {},
      [&](int port) {
        spawn(l, [&, port]() -> task<void> {
          stop.request_stop();
          net::connect_options o{.port = port, .host = "127.0.0.1"};  // named: the g++ 12 caveat in the README
          auto r = co_await net::promises::connect(l, o, stop.get_token());
          failed = r.error;
          srv->close();
        });
      });
  test::run_bounded(l);
  REQUIRE(failed.has_value());
  CHECK(failed->code == "ABORT_ERR");
  CHECK(failed->name == "AbortError");
  CHECK(failed->message == "The operation was aborted");
}

TEST_CASE("local_address that is not an IP throws ERR_INVALID_IP_ADDRESS at once") {
  loop l;
  auto c = net::socket::create(l);
  CHECK(thrown([&] { c->connect({.port = 80, .host = "localhost", .local_address = "foobar"}); }) ==
        "ERR_INVALID_IP_ADDRESS: Invalid IP address: foobar");
  CHECK_FALSE(c->connecting());
}

TEST_CASE("a lookup answering family 100 fails with ERR_INVALID_ADDRESS_FAMILY, raced or not") {
  for (bool race : {false, true}) {
    loop l;
    std::string error;
    net::connect_options o{.port = 1234, .host = "localhost", .auto_select_family = race};
    o.lookup = [](std::string_view, int, net::lookup_callback done) { done(nullptr, {{"127.0.0.1", 100}}); };
    auto c = net::connect(l, o);
    c->on<"error">([&](const net::error_info& e) { error = e.code + ": " + e.message; });
    test::run_bounded(l);
    // Node 26, both ways: Invalid address family: 100 localhost:1234
    CHECK(error == "ERR_INVALID_ADDRESS_FAMILY: Invalid address family: 100 localhost:1234");
  }
}

TEST_CASE("connect(port) with no host connects to localhost") {
  loop l;
  bool connected = false;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "localhost", 511, [&] {
    auto c = net::socket::create(l);
    c->connect(test::port_of(*srv));
    c->on<"connect">([&] { connected = true; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(connected);  // Node 26: F connected 127.0.0.1
}

TEST_CASE("connect to an IP starts in the next turn: a listener added afterwards sees connectionAttempt") {
  loop l;
  std::string attempt;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connectionAttempt">(
            [&](std::string_view ip, int, int family) { attempt = std::string(ip) + " " + std::to_string(family); });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(attempt == "127.0.0.1 4");  // Node 26: attempt 127.0.0.1 4
}

TEST_CASE("a Unix client's remote address is empty") {
  loop l;
  const std::string path = "/tmp/coronet-node26-unix-" + std::to_string(::getpid());
  std::string client_remote = "unset";
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(path, [&] {
    auto c = net::connect(l, {.path = path});
    c->on<"connect">([&, c] { client_remote = c->remote_address(); });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(client_remote.empty());  // Node 26: client remote undefined
}

TEST_CASE("type of service: kept before connecting, applied once connected, 0..255") {
  loop l;
  int before = -1, after = -1, changed = -1;
  std::string out_of_range;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, [](net::socket& s) { s.end(); },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1", .type_of_service = 0x10});
        c->set_type_of_service(0x08);
        before = c->get_type_of_service();
        c->on<"connect">([&, c] {
          after = c->get_type_of_service();
          c->set_type_of_service(0x20);
          changed = c->get_type_of_service();
          out_of_range = thrown([&] { c->set_type_of_service(256); });
        });
        c->on<"close">([&](bool) { srv->close(); });
      });
  test::run_bounded(l);
  CHECK(before == 8);
  CHECK(after == 8);  // Node 26: tos 8, tos2 32
  CHECK(changed == 32);
  CHECK(out_of_range ==
        "ERR_OUT_OF_RANGE: The value of \"tos\" is out of range. It must be >= 0 && <= 255. Received 256");
}

TEST_CASE("set_keep_alive with interval and count sets TCP_KEEPINTVL and TCP_KEEPCNT") {
  loop l;
  int on = 0, idle = 0, interval = 0, count = 0;
  auto srv = net::create_server(l);
  srv->listen(0, "127.0.0.1", 511, [&] {
    // An adopted descriptor, so the test can read the options back.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(test::port_of(*srv)));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    auto c = net::socket::create(l, {.fd = fd});
    auto get = [fd](int level, int name) {
      int v = 0;
      socklen_t len = sizeof v;
      ::getsockopt(fd, level, name, &v, &len);
      return v;
    };
    c->set_keep_alive(true, 5000, 3000, 7);
    on = get(SOL_SOCKET, SO_KEEPALIVE);
    idle = get(IPPROTO_TCP, TCP_KEEPIDLE);
    interval = get(IPPROTO_TCP, TCP_KEEPINTVL);
    count = get(IPPROTO_TCP, TCP_KEEPCNT);
    c->set_keep_alive({.enable = true, .initial_delay = 0, .interval = 4000, .count = 0});  // 0 keeps the count
    CHECK(get(IPPROTO_TCP, TCP_KEEPINTVL) == 4);
    CHECK(get(IPPROTO_TCP, TCP_KEEPCNT) == 7);
    c->destroy();
    srv->close();
  });
  test::run_bounded(l);
  CHECK(on == 1);
  CHECK(idle == 5);
  CHECK(interval == 3);
  CHECK(count == 7);
}
