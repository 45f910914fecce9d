// A TLS server meets peers that do not speak TLS, stop halfway, or ask to
// renegotiate: each gives a clear error (tlsClientError on the server,
// `error` on a client), and the server goes on serving.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <openssl/ssl.h>

#include <string>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
// After the bad peer, a good client must still get its echo.
void expect_still_serving(loop& l, tls::server& srv, bool& served) {
  auto c = tls::connect(l, test::client_tls(test::port_of(srv)));
  c->on<"secureConnect">([c] { c->write("still here"); });
  c->on<"data">([&served, c, &srv](std::string_view d) {
    served = d == "still here";
    c->end();
    srv.close();
  });
}

int server_handshakes_started = 0;

struct bad_peer {
  const char* name;
  std::string bytes;
  bool end_after;    // FIN after the bytes, or stay open
  const char* code;  // expected tlsClientError code ("" : any ERR_SSL_*)
};
}  // namespace

TEST_CASE("plaintext, garbage, a truncated or a stalled handshake: tlsClientError, and the server serves on") {
  const bad_peer peers[] = {
      {"plaintext HTTP", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", false, "ERR_SSL_HTTP_REQUEST"},
      {"garbage", std::string("\x00\x01\x02\x03\xfe\xff garbage garbage garbage", 28), false, ""},
      {"truncated handshake", std::string("\x16\x03\x01\x00\xf0\x01\x00", 7), true, "ECONNRESET"},
      {"stalled handshake", std::string("\x16\x03\x01\x00\xf0\x01\x00", 7), false, "ERR_TLS_HANDSHAKE_TIMEOUT"},
  };
  for (const auto& peer : peers) {
    CAPTURE(peer.name);
    loop l;
    auto so = test::server_tls();
    so.handshake_timeout = std::chrono::milliseconds(200);
    auto srv =
        tls::create_server(l, so, [](tls::socket& s) { s.on<"data">([&s](std::string_view d) { s.write(d); }); });
    std::optional<net::error_info> client_error;
    bool served = false, bad_closed = false;
    srv->on<"tlsClientError">([&](const net::error_info& e, tls::socket& s) {
      client_error = e;
      CHECK(!s.authorized());
      expect_still_serving(l, *srv, served);
    });
    srv->listen(0, "127.0.0.1", 511, [&] {
      auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
      raw->on<"connect">([raw, &peer] {
        raw->write(peer.bytes);
        if (peer.end_after) raw->end();
      });
      raw->on<"error">([](const net::error_info&) {});  // a reset is fine
      raw->on<"close">([&](bool) { bad_closed = true; });
    });
    test::run_bounded(l);
    REQUIRE(client_error);
    if (*peer.code) {
      CHECK(client_error->code == peer.code);
    } else {
      CHECK(client_error->code.rfind("ERR_SSL_", 0) == 0);
    }
    CHECK(client_error->message.find("error:") == std::string::npos);  // no OpenSSL queue dump
    CHECK(bad_closed);
    CHECK(served);
  }
}

TEST_CASE("the handshake timeout's error is Node's") {
  loop l;
  auto so = test::server_tls();
  so.handshake_timeout = std::chrono::milliseconds(100);
  auto srv = tls::create_server(l, so);
  std::optional<net::error_info> error;
  srv->on<"tlsClientError">([&](const net::error_info& e, tls::socket&) {
    error = e;
    srv->close();
  });
  std::shared_ptr<net::socket> raw;
  srv->listen(0, "127.0.0.1", 511, [&] {
    raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    raw->on<"close">([&](bool) { raw.reset(); });
  });
  test::run_bounded(l);
  REQUIRE(error);
  CHECK(error->code == "ERR_TLS_HANDSHAKE_TIMEOUT");
  CHECK(error->message == "TLS handshake timeout");
  CHECK(tls::server_options{}.handshake_timeout == std::chrono::seconds(120));
}

TEST_CASE("a renegotiation is refused: the connection goes on under its first keys, and the server serves on") {
  loop l;
  auto so = test::server_tls();
  so.max_version = "TLSv1.2";
  std::optional<net::error_info> server_side_error;
  server_handshakes_started = 0;
  auto srv = tls::create_server(l, so, [&](tls::socket& s) {
    // From here on, any handshake the server starts is a renegotiation.
    SSL_set_info_callback(static_cast<SSL*>(s.native_handle()), [](const SSL*, int where, int) {
      if (where & SSL_CB_HANDSHAKE_START) ++server_handshakes_started;
    });
    s.on<"data">([&s](std::string_view d) { s.write(d); });
    s.on<"error">([&](const net::error_info& e) { server_side_error = e; });
  });
  std::optional<net::error_info> client_error;
  std::string echoed;
  bool served = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto o = test::client_tls(test::port_of(*srv));
    o.max_version = "TLSv1.2";
    auto c = tls::connect(l, o);
    c->on<"secureConnect">([c] {
      auto* ssl = static_cast<SSL*>(c->native_handle());
      SSL_renegotiate(ssl);
      SSL_do_handshake(ssl);  // the new ClientHello goes into the write queue
      c->write("after");
    });
    c->on<"data">([&, c](std::string_view d) {
      echoed += d;
      c->end();
    });
    c->on<"error">([&](const net::error_info& e) { client_error = e; });
    c->on<"close">([&](bool) { expect_still_serving(l, *srv, served); });
  });
  test::run_bounded(l);
  // The server answers with a no_renegotiation warning: the connection
  // goes on under the first handshake's keys, and the new one never completes.
  CHECK(!client_error);
  CHECK(!server_side_error);
  CHECK(echoed == "after");
  CHECK(server_handshakes_started == 0);
  CHECK(served);
}
