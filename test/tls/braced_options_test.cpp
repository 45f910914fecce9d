// tls::promises::connect with its options braced inside the co_await
// expression. In the g++ build this program is compiled with
// AddressSanitizer too: g++ 12 destroys a braced temporary that owns
// strings twice when it sits in a co_await expression, so with owning
// options each case here would abort (`attempting double-free`). The
// certificate paths and names are long enough to live on the heap.
#include <coronet/net/promises.hpp>
#include <coronet/tls/promises.hpp>
#include <coronet/tls/server.hpp>

#include <string>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
// A server with the test certificate, speaking http/1.1 or h2, which ends
// each client's connection with "hello <protocol>".
std::shared_ptr<tls::server> hello_server(loop& l) {
  auto so = test::server_tls();
  so.alpn_protocols = {"http/1.1", "h2"};
  return tls::create_server(l, so, [](tls::socket& s) { s.end("hello " + s.alpn_protocol()); });
}

// Everything the peer sends, until its end.
task<std::string> read_all(tls::socket& s) {
  std::string got;
  auto chunks = net::promises::chunks(s);
  while (auto c = co_await chunks.next()) got += *c;
  co_return got;
}
}  // namespace

TEST_CASE("tls::promises::connect takes braced options inside co_await") {
  loop l;
  auto srv = hello_server(l);
  const std::string ca = test::cert("ca.crt");
  std::string got, protocol;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.port = 0, .host = "127.0.0.1"});
    REQUIRE_FALSE(err);
    auto [e, sock] = co_await tls::promises::connect(l, {.port = test::port_of(*srv),
                                                         .host = "127.0.0.1",
                                                         .ca = ca,
                                                         .min_version = "TLSv1.3",
                                                         .servername = "localhost.but-written-out-long"
                                                                       ".enough-for-the-heap"
                                                                       ".invalid",
                                                         .alpn_protocols = {"h2", "http/1.1"},
                                                         .reject_unauthorized = false});
    REQUIRE_FALSE(e);
    CHECK_FALSE(sock->authorized());  // the name does not match: reject_unauthorized is off
    protocol = sock->get_protocol();
    got = co_await read_all(*sock);
    srv->close();
  });
  test::run_bounded(l);
  CHECK(protocol == "TLSv1.3");
  CHECK(got == "hello http/1.1");  // the server's preference, as in Node
}

TEST_CASE("a braced tls::promises::connect rejects with the verification error") {
  loop l;
  auto srv = hello_server(l);
  std::optional<net::error_info> error;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.port = 0, .host = "127.0.0.1"});
    REQUIRE_FALSE(err);
    const std::string host = "127.0.0.1";
    auto r = co_await tls::promises::connect(
        l, {.port = test::port_of(*srv), .host = host, .ca = test::cert("other-ca.crt")});
    error = r.error;
    srv->close();
  });
  test::run_bounded(l);
  REQUIRE(error);
  CHECK(error->code == "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
}

TEST_CASE("braced options name a context, a signal and a check_server_identity function") {
  loop l;
  auto srv = hello_server(l);
  const auto ctx = tls::create_secure_context({.ca = test::cert("ca.crt")});
  std::stop_source stop;
  const std::stop_token token = stop.get_token();
  static int checks = 0;
  std::string got;
  spawn(l, [&]() -> task<void> {
    auto err = co_await net::promises::listen(*srv, {.port = 0, .host = "127.0.0.1"});
    REQUIRE_FALSE(err);
    auto [e, sock] = co_await tls::promises::connect(
        l, {.port = test::port_of(*srv),
            .host = "localhost",
            .signal = token,
            .secure_context = ctx,
            .check_server_identity = [](std::string_view host, const tls::peer_certificate& cert) {
              ++checks;
              return tls::check_server_identity(host, cert);
            }});
    REQUIRE_FALSE(e);
    CHECK(sock->authorized());
    got = co_await read_all(*sock);
    // A stop request after the connect leaves the socket alone.
    stop.request_stop();
    srv->close();
  });
  test::run_bounded(l);
  CHECK(got == "hello ");  // no ALPN asked for
  CHECK(checks == 1);
}
