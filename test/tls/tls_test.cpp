// tls::socket and tls::server: a handshake and what it tells, every
// certificate verification failure with and without reject_unauthorized,
// client certificates, held writes, bulk data with half-close, many
// connections, resumption, and pause/resume: a tls::socket behaves as a
// net::socket does.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/errors.hpp>
#include <coronet/tls/promises.hpp>
#include <coronet/tls/server.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
// Byte i of the bulk stream.
char pattern(std::uint64_t i) { return static_cast<char>((i * 31 + i / 7919) % 251); }
}  // namespace

TEST_CASE("a client and a server shake hands and say what they agreed") {
  loop l;
  auto so = test::server_tls();
  so.alpn_protocols = {"h2", "http/1.1"};
  std::string server_name, server_alpn, got;
  bool server_authorized = true;
  auto srv = tls::create_server(l, so, [&](tls::socket& s) {
    server_name = s.servername();
    server_alpn = s.alpn_protocol();
    server_authorized = s.authorized();
    s.on<"data">([&s](std::string_view d) { s.write(d); });
  });
  std::shared_ptr<tls::socket> c;
  bool secure = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto o = test::client_tls(test::port_of(*srv));
    o.alpn_protocols = {"http/1.1"};
    c = tls::connect(l, o, [&] {
      secure = true;
      c->write("ping");
    });
    c->on<"data">([&](std::string_view d) {
      got += d;
      if (got == "ping") c->end();
    });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  REQUIRE(secure);
  CHECK(got == "ping");
  CHECK(c->authorized());
  CHECK(!c->authorization_error());
  CHECK(c->encrypted);
  CHECK(c->get_protocol() == "TLSv1.3");
  CHECK(c->alpn_protocol() == "http/1.1");
  CHECK(server_alpn == "http/1.1");
  CHECK(server_name == "localhost");
  CHECK(!server_authorized);  // no request_cert: a server's peer is not verified
  auto cipher = c->get_cipher();
  REQUIRE(cipher);
  CHECK(cipher->name == "TLS_AES_256_GCM_SHA384");
  CHECK(cipher->version == "TLSv1.3");
  auto cert = c->get_peer_certificate();
  REQUIRE(cert);
  CHECK(cert->subject.at("CN") == "localhost");
  CHECK(cert->issuer.at("CN") == "coronet test CA");
  CHECK(cert->subjectaltname == "DNS:localhost, IP Address:127.0.0.1, IP Address:::1");
  CHECK(cert->fingerprint256.size() == 32 * 3 - 1);
  CHECK(cert->valid_to.find("GMT") != std::string::npos);
  CHECK(!cert->raw.empty());
}

struct bad_certificate {
  const char* cert;
  const char* host;
  const char* code;
  const char* message;
  bool with_ca;
};

TEST_CASE("every certificate verification failure has Node's code, and reject_unauthorized false lets it through") {
  const bad_certificate cases[] = {
      {"self.crt", "localhost", "DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", true},
      {"expired.crt", "localhost", "CERT_HAS_EXPIRED", "certificate has expired", true},
      {"server.crt", "localhost", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate", false},
      {"wronghost.crt", "localhost", "ERR_TLS_CERT_ALTNAME_INVALID",
       "Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: "
       "DNS:example.com",
       true},
      {"server.crt", "127.0.0.2", "ERR_TLS_CERT_ALTNAME_INVALID",
       "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1, ::1",
       true},
  };
  for (const auto& bad : cases) {
    for (bool reject : {true, false}) {
      CAPTURE(bad.cert);
      CAPTURE(bad.host);
      CAPTURE(reject);
      loop l;
      auto so = test::server_tls();
      so.cert = test::cert(bad.cert);
      if (std::string(bad.cert) == "self.crt") so.key = test::cert("self.key");
      int secure_connections = 0;
      auto srv = tls::create_server(l, so, [&](tls::socket&) { ++secure_connections; });
      std::optional<net::error_info> error;
      bool secure = false, authorized = true;
      std::optional<net::error_info> authorization_error;
      srv->listen(0, bad.host, 511, [&] {
        tls::connect_options o{.port = test::port_of(*srv), .host = bad.host, .reject_unauthorized = reject};
        // The IP case reaches the server at its address; the name case at localhost.
        if (bad.with_ca) o.ca = test::cert("ca.crt");
        if (!bad.with_ca) o.ca = test::cert("other-ca.crt");
        auto c = tls::connect(l, o);
        c->on<"secureConnect">([&, c] {
          secure = true;
          authorized = c->authorized();
          authorization_error = c->authorization_error();
          c->end();
        });
        c->on<"error">([&](const net::error_info& e) { error = e; });
        c->on<"close">([&](bool) { srv->close(); });
      });
      test::run_bounded(l);
      if (reject) {
        REQUIRE(error);
        CHECK(error->code == bad.code);
        CHECK(error->message == bad.message);
        CHECK(!secure);
      } else {
        CHECK(!error);
        CHECK(secure);
        CHECK(!authorized);
        REQUIRE(authorization_error);
        CHECK(authorization_error->code == bad.code);
      }
    }
  }
}

TEST_CASE("a server that asks for a client certificate verifies it, or refuses a client without one") {
  for (int variant = 0; variant < 3; ++variant) {
    CAPTURE(variant);  // 0: a good client certificate, 1: none (refused), 2: none, reject_unauthorized false
    loop l;
    auto so = test::server_tls();
    so.ca = test::cert("ca.crt");
    so.request_cert = true;
    so.reject_unauthorized = variant != 2;
    std::optional<tls::peer_certificate> client_cert;
    bool server_authorized = false, secure_connection = false;
    std::string server_error_code;
    std::optional<net::error_info> client_error;
    auto srv = tls::create_server(l, so, [&](tls::socket& s) {
      secure_connection = true;
      server_authorized = s.authorized();
      client_cert = s.get_peer_certificate();
      s.end("bye");
    });
    srv->on<"tlsClientError">([&](const net::error_info& e, tls::socket&) { server_error_code = e.code; });
    srv->listen(0, "127.0.0.1", 511, [&] {
      auto o = test::client_tls(test::port_of(*srv));
      if (variant == 0) {
        o.cert = test::cert("client.crt");
        o.key = test::cert("client.key");
      }
      auto c = tls::connect(l, o);
      c->on<"error">([&](const net::error_info& e) { client_error = e; });
      c->on<"close">([&](bool) { srv->close(); });
    });
    test::run_bounded(l);
    if (variant == 0) {
      CHECK(secure_connection);
      CHECK(server_authorized);
      REQUIRE(client_cert);
      CHECK(client_cert->subject.at("CN") == "coronet test client");
    } else if (variant == 1) {
      CHECK(!secure_connection);
      CHECK(server_error_code == "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
      REQUIRE(client_error);
      CHECK(client_error->code == "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
    } else {
      CHECK(secure_connection);
      CHECK(!server_authorized);
    }
  }
}

TEST_CASE("writes made before the handshake is done are held, go out in order, and call back") {
  loop l;
  std::string server_got;
  auto srv = tls::create_server(l, test::server_tls(),
                                [&](tls::socket& s) { s.on<"data">([&](std::string_view d) { server_got += d; }); });
  std::vector<std::string> order;
  std::size_t held = 0;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = tls::connect(l, test::client_tls(test::port_of(*srv)));
    c->write("one ", [&](const net::error_info* e) { order.push_back(e ? "one failed" : "one"); });
    c->write("two", [&](const net::error_info* e) { order.push_back(e ? "two failed" : "two"); });
    held = c->writable_length();
    c->end();  // the FIN waits for the handshake and the held writes, after close_notify
    c->on<"secureConnect">([&] { order.push_back("secureConnect"); });
    c->on<"finish">([&] { order.push_back("finish"); });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(held == 7);
  CHECK(server_got == "one two");
  const std::vector<std::string> expected{"secureConnect", "one", "two", "finish"};
  CHECK(order == expected);
}

TEST_CASE("16 MiB each way through TLS with half-close arrive whole, every byte checked") {
  static constexpr std::uint64_t total = 16u << 20;
  loop l;
  auto so = test::server_tls();
  so.allow_half_open = true;
  std::uint64_t server_seen = 0;
  bool server_ok = true;
  // The server checks what it gets and, after the client's end, sends the same stream back.
  auto srv = tls::create_server(l, so, [&](tls::socket& s) {
    s.on<"data">([&](std::string_view d) {
      for (char ch : d) server_ok = server_ok && ch == pattern(server_seen++);
    });
    s.on<"end">([&s] {
      std::string chunk(64 * 1024, '\0');
      for (std::uint64_t at = 0; at < total; at += chunk.size()) {
        for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(at + i);
        s.write(chunk);
      }
      s.end();
    });
  });
  std::uint64_t client_seen = 0;
  bool client_ok = true, client_end = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto o = test::client_tls(test::port_of(*srv));
    o.allow_half_open = true;
    auto c = tls::connect(l, o);
    c->on<"secureConnect">([c] {
      std::string chunk(64 * 1024, '\0');
      for (std::uint64_t at = 0; at < total; at += chunk.size()) {
        for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(at + i);
        c->write(chunk);
      }
      c->end();
    });
    c->on<"data">([&](std::string_view d) {
      for (char ch : d) client_ok = client_ok && ch == pattern(client_seen++);
    });
    c->on<"end">([&] { client_end = true; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l, std::chrono::seconds(60));
  CHECK(server_seen == total);
  CHECK(server_ok);
  CHECK(client_seen == total);
  CHECK(client_ok);
  CHECK(client_end);
}

TEST_CASE("200 concurrent TLS connections each get their own echo") {
  static constexpr int clients = 200;
  loop l;
  auto srv = tls::create_server(l, test::server_tls(),
                                [](tls::socket& s) { s.on<"data">([&s](std::string_view d) { s.write(d); }); });
  int done = 0, closed = 0;
  srv->listen(0, "127.0.0.1", 511, [&] {
    // One context for all: loading the CA once.
    auto ctx = tls::create_secure_context({.ca = test::cert("ca.crt")});
    for (int i = 0; i < clients; ++i) {
      tls::connect_options o{.port = test::port_of(*srv), .host = "localhost", .secure_context = ctx};
      auto c = tls::connect(l, o);
      const std::string message = "client " + std::to_string(i);
      auto got = std::make_shared<std::string>();
      c->on<"secureConnect">([c, message] { c->write(message); });
      c->on<"data">([&, c, got, message](std::string_view d) {
        *got += d;
        if (*got == message) {
          ++done;
          c->end();
        }
      });
      c->on<"close">([&](bool) {
        if (++closed == clients) srv->close();
      });
    }
  });
  test::run_bounded(l, std::chrono::seconds(60));
  CHECK(done == clients);
}

TEST_CASE("a client resumes with the session it was given") {
  loop l;
  auto srv = tls::create_server(l, test::server_tls(), [](tls::socket& s) { s.end("hi"); });
  auto ctx = tls::create_secure_context({.ca = test::cert("ca.crt")});
  std::string session;
  bool first_reused = true, second_reused = false, second_authorized = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    tls::connect_options o{.port = test::port_of(*srv), .host = "localhost", .secure_context = ctx};
    auto first = tls::connect(l, o);
    first->on<"session">([&](std::string_view s) { session = s; });
    first->on<"secureConnect">([&, first] { first_reused = first->is_session_reused(); });
    first->on<"close">([&, o](bool) mutable {
      REQUIRE(!session.empty());
      o.session = session;
      auto second = tls::connect(l, o);
      second->on<"secureConnect">([&, second] {
        second_reused = second->is_session_reused();
        second_authorized = second->authorized();
      });
      second->on<"close">([&](bool) { srv->close(); });
    });
  });
  test::run_bounded(l);
  CHECK(!first_reused);
  CHECK(second_reused);
  CHECK(second_authorized);
}

TEST_CASE("a paused tls::socket emits no data until resumed, and loses none") {
  static constexpr std::size_t total = 256 * 1024;
  loop l;
  auto srv = tls::create_server(l, test::server_tls(), [](tls::socket& s) { s.end(std::string(total, 'x')); });
  std::size_t got = 0;
  int data_while_paused = 0;
  bool paused = false, ended = false;
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = tls::connect(l, test::client_tls(test::port_of(*srv)));
    auto timer = std::make_shared<deadline>(l, [&, c] {
      paused = false;
      c->resume();
    });
    c->on<"data">([&, c, timer](std::string_view d) {
      if (paused) ++data_while_paused;
      const bool first = got == 0;
      got += d.size();
      if (first) {
        c->pause();
        paused = true;
        timer->expires_after(std::chrono::milliseconds(50));
      }
    });
    c->on<"end">([&] { ended = true; });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(got == total);
  CHECK(data_while_paused == 0);
  CHECK(ended);
}

TEST_CASE("tls::promises::connect resolves at secureConnect and rejects with the verification error") {
  loop l;
  auto srv = tls::create_server(l, test::server_tls(), [](tls::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, {});
  test::run(l, [&]() -> task<void> {
    auto good_options = test::client_tls(test::port_of(*srv));
    auto good = co_await tls::promises::connect(l, good_options);
    CHECK(!good.error);
    REQUIRE(good.value);
    CHECK(good.value->authorized());
    good.value->destroy();
    tls::connect_options bad_options{.port = test::port_of(*srv), .ca = test::cert("other-ca.crt")};
    auto bad = co_await tls::promises::connect(l, bad_options);
    REQUIRE(bad.error);
    CHECK(bad.error->code == "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    srv->close();
  });
}

TEST_CASE("create_secure_context throws Node-style errors for what it cannot use") {
  CHECK_THROWS_AS(tls::create_secure_context({.key = "/nonexistent/key.pem"}), tls::error);
  try {
    tls::create_secure_context({.min_version = "TLSv9"});
    FAIL("no throw");
  } catch (const tls::error& e) {
    CHECK(e.code_name() == "ERR_TLS_INVALID_PROTOCOL_VERSION");
    CHECK(std::string(e.what()) == "\"TLSv9\" is not a valid minimum TLS protocol version");
  }
  try {
    tls::create_secure_context({.key = test::cert("client.key"), .cert = test::cert("server.crt")});
    FAIL("no throw");
  } catch (const tls::error& e) {
    CHECK(e.code_name() == "ERR_OSSL_X509_KEY_VALUES_MISMATCH");
  }
}
