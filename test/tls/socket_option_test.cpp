// tls::connect's `socket` option (Node's): TLS over a net::socket the
// caller already has, connected or still connecting; the wrapped socket
// closes with the tls::socket, a failed handshake fails over it as over a
// fresh connection, and the braced promise form takes it too.
#include <coronet/net/promises.hpp>
#include <coronet/tls/connect.hpp>
#include <coronet/tls/promises.hpp>
#include <coronet/tls/server.hpp>

#include <memory>
#include <string>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
std::shared_ptr<tls::server> echo_server(loop& l) {
  return tls::create_server(l, test::server_tls(), [](tls::socket& s) { s.pipe(s.shared_from_this()); });
}

struct outcome {
  bool secure = false;
  bool authorized = false;
  std::string echoed;
  std::optional<net::error_info> error;
  bool tls_closed = false;
  bool raw_closed = false;
};

// tls::connect over `raw`: "ping" goes out and is echoed back.
void ping_over(loop& l, tls::server& srv, std::shared_ptr<net::socket> raw, outcome& out, tls::connect_options o) {
  o.socket = raw;
  auto c = tls::connect(l, o);
  c->on<"secureConnect">([&out, c] {
    out.secure = true;
    out.authorized = c->authorized();
    c->end("ping");
  });
  c->on<"data">([&out](std::string_view d) { out.echoed.append(d); });
  c->on<"error">([&out](const net::error_info& e) { out.error = e; });
  c->on<"close">([&out](bool) { out.tls_closed = true; });
  raw->on<"close">([&out, &srv](bool) {
    out.raw_closed = true;
    srv.close();
  });
}
}  // namespace

TEST_CASE("tls::connect runs over a connected net::socket, and both close at the end") {
  loop l;
  auto srv = echo_server(l);
  outcome out;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    raw->on<"connect">([&, raw] { ping_over(l, *srv, raw, out, {.host = "localhost", .ca = test::cert("ca.crt")}); });
  });
  test::run_bounded(l);
  CHECK(out.secure);
  CHECK(out.authorized);
  CHECK(out.echoed == "ping");
  CHECK_FALSE(out.error);
  CHECK(out.tls_closed);
  CHECK(out.raw_closed);
}

TEST_CASE("tls::connect over a socket that is still connecting waits for it") {
  loop l;
  auto srv = echo_server(l);
  outcome out;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    ping_over(l, *srv, raw, out, {.host = "localhost", .ca = test::cert("ca.crt")});
  });
  test::run_bounded(l);
  CHECK(out.secure);
  CHECK(out.echoed == "ping");
  CHECK_FALSE(out.error);
  CHECK(out.raw_closed);
}

TEST_CASE("a certificate that does not verify over the socket option fails, and the socket closes") {
  loop l;
  auto srv = echo_server(l);
  std::optional<net::error_info> server_side;
  srv->on<"tlsClientError">([&](const net::error_info& e, tls::socket&) { server_side = e; });
  outcome out;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    ping_over(l, *srv, raw, out, {.host = "localhost", .ca = test::cert("other-ca.crt")});
  });
  test::run_bounded(l);
  CHECK_FALSE(out.secure);
  REQUIRE(out.error);
  CHECK(out.error->code == "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  CHECK(out.tls_closed);
  CHECK(out.raw_closed);
}

TEST_CASE("an error on the wrapped socket destroys the tls::socket with it") {
  loop l;
  auto srv = echo_server(l);
  outcome out;
  std::shared_ptr<net::socket> raw;
  srv->listen(0, "127.0.0.1", 511, [&] {
    raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    ping_over(l, *srv, raw, out, {.host = "localhost", .ca = test::cert("ca.crt")});
    raw->once<"connect">([&] {
      net::error_info e;
      e.code = "EBROKEN";
      e.message = "the wrapped socket broke";
      raw->destroy(e);
    });
  });
  test::run_bounded(l);
  REQUIRE(out.error);
  CHECK(out.error->code == "EBROKEN");
  CHECK(out.tls_closed);
  CHECK(out.raw_closed);
}

TEST_CASE("the braced tls::promises::connect takes the socket option") {
  loop l;
  auto srv = echo_server(l);
  const std::string ca = test::cert("ca.crt");
  std::string got;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.port = 0, .host = "127.0.0.1"});
    REQUIRE_FALSE(err);
    auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    auto [e, sock] = co_await tls::promises::connect(l, {.host = "localhost", .socket = raw, .ca = ca});
    REQUIRE_FALSE(e);
    CHECK(sock->authorized());
    sock->end("braced");
    auto chunks = net::promises::chunks(*sock);
    while (auto c = co_await chunks.next()) got += *c;
    srv->close();
  });
  test::run_bounded(l);
  CHECK(got == "braced");
}
