// What destroy() does to writes still waiting, checked against Node 26
// (scripts/node26.sh): each case was first run as a small JS program; the
// comment says what Node printed.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "net_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

using test::joined;
using test::serve;

namespace {
// new Error('boom'): a message, no code.
net::error_info boom() {
  net::error_info e;
  e.message = "boom";
  return e;
}

std::string shown(const net::error_info* e) { return !e ? "null" : e->code.empty() ? e->message : e->code; }

// Logs every event of `c` that a destroy() can bring into `order`.
void watch(net::socket& c, std::vector<std::string>& order, std::string_view close_name = "close") {
  c.on<"error">([&](const net::error_info& e) { order.push_back("error " + e.message); });
  c.on<"close">([&order, close_name = std::string(close_name)](bool had_error) {
    order.push_back(close_name + (had_error ? " true" : " false"));
  });
}

net::write_callback logged(std::vector<std::string>& order, std::string name) {
  return [&order, name = std::move(name)](const net::error_info* e) { order.push_back(name + ' ' + shown(e)); };
}

// A write the kernel cannot take at once: the server reads nothing.
const std::string big(32 << 20, 'x');

void destroy_behind_big_write(bool with_error, std::vector<std::string>& order) {
  loop l;
  std::shared_ptr<net::server> srv;
  std::shared_ptr<net::socket> client;
  std::shared_ptr<net::socket> held;  // the server's side: reads one chunk, then nothing
  srv = serve(
      l, {},
      [&](net::socket& s) {
        held = s.shared_from_this();
        s.once<"data">([&](std::string_view) {
          held->pause();
          // The first bytes arrived: the writer is inside the big write.
          if (with_error) {
            client->destroy(boom());
          } else {
            client->destroy();
          }
        });
      },
      [&](int port) {
        client = net::connect(l, {.port = port, .host = "127.0.0.1"});
        watch(*client, order);
        client->on<"close">([&](bool) {
          held->destroy();
          srv->close();
        });
        client->on<"connect">([&] {
          client->write(big, logged(order, "cb big"));
          client->write("small", logged(order, "cb small"));
          client->end([&] { order.push_back("end cb"); });
        });
      });
  test::run_bounded(l);
  client.reset();
}
}  // namespace

TEST_CASE("destroy(err) behind a write the kernel has not finished: error, ECANCELED, the error itself, close") {
  std::vector<std::string> order;
  destroy_behind_big_write(true, order);
  // Node 26: error boom / cb big ECANCELED / cb small (boom) / end cb / close true.
  CHECK(joined(order) == joined({"error boom", "cb big ECANCELED", "cb small boom", "end cb", "close true"}));
}

TEST_CASE("destroy() behind a write the kernel has not finished: every later write fails with ECANCELED") {
  std::vector<std::string> order;
  destroy_behind_big_write(false, order);
  // Node 26: cb big ECANCELED / cb small ECANCELED / end cb / close false.
  CHECK(joined(order) == joined({"cb big ECANCELED", "cb small ECANCELED", "end cb", "close false"}));
}

TEST_CASE("write() then destroy() in the same turn: the bytes still leave, and the callback succeeds before error") {
  for (const bool with_error : {true, false}) {
    CAPTURE(with_error);
    loop l;
    std::vector<std::string> order;
    std::string received;
    std::shared_ptr<net::server> srv;
    srv = serve(
        l, {},
        [&](net::socket& s) {
          s.on<"data">([&](std::string_view d) { received += d; });
          s.on<"close">([&](bool) { srv->close(); });
        },
        [&](int port) {
          auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
          watch(*c, order);
          c->on<"connect">([&, c] {
            c->write("bye", logged(order, "cb"));
            if (with_error) {
              c->destroy(boom());
            } else {
              c->destroy();
            }
          });
        });
    test::run_bounded(l);
    // Node 26: cb null / error boom / close true; without an error:
    // cb null / close false. The peer gets the bytes.
    if (with_error) {
      CHECK(joined(order) == joined({"cb null", "error boom", "close true"}));
    } else {
      CHECK(joined(order) == joined({"cb null", "close false"}));
    }
    CHECK(received == "bye");
  }
}

TEST_CASE("destroy while connecting: the writes fail as a close listener added by the first write") {
  for (const bool with_error : {true, false}) {
    CAPTURE(with_error);
    loop l;
    std::vector<std::string> order;
    std::shared_ptr<net::server> srv;
    srv = serve(
        l, {}, [](net::socket&) {},
        [&](int port) {
          auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
          watch(*c, order);  // its close listener comes before the writes
          c->write("a", logged(order, "cb a"));
          c->write("b", logged(order, "cb b"));
          c->end([&] { order.push_back("end cb"); });
          c->on<"close">([&](bool) {
            order.push_back("close2");
            srv->close();
          });
          if (with_error) {
            c->destroy(boom());
          } else {
            c->destroy();
          }
          order.push_back("after destroy");
        });
    test::run_bounded(l);
    // Node 26: after destroy / [error boom] / close / cb a
    // ERR_SOCKET_CLOSED_BEFORE_CONNECTION / cb b (boom, or the same code) /
    // end cb / close2.
    if (with_error) {
      CHECK(joined(order) == joined({"after destroy", "error boom", "close true",
                                     "cb a ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "cb b boom", "end cb", "close2"}));
    } else {
      CHECK(joined(order) == joined({"after destroy", "close false", "cb a ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
                                     "cb b ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "end cb", "close2"}));
    }
  }
}

TEST_CASE("reset_and_destroy while connecting resets once connected: connect, ready, close(false), peer ECONNRESET") {
  loop l;
  std::vector<std::string> order;
  std::vector<std::string> server_side;
  std::shared_ptr<net::server> srv;
  srv = serve(
      l, {},
      [&](net::socket& s) {
        s.on<"error">([&](const net::error_info& e) { server_side.push_back("error " + e.code); });
        s.on<"close">([&](bool) {
          server_side.push_back("close");
          srv->close();
        });
      },
      [&](int port) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        c->on<"connect">([&] { order.push_back("connect"); });
        c->on<"ready">([&] { order.push_back("ready"); });
        watch(*c, order);
        c->reset_and_destroy();
        // Node 26: after rad opening false true (readyState, destroyed, connecting).
        CHECK(c->ready_state() == "opening");
        CHECK_FALSE(c->destroyed());
        CHECK(c->connecting());
      });
  test::run_bounded(l);
  // Node 26: connect / ready / close false; the server: error ECONNRESET, close.
  CHECK(joined(order) == joined({"connect", "ready", "close false"}));
  CHECK(joined(server_side) == joined({"error ECONNRESET", "close"}));
}
