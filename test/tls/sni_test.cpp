// tls::server's sni_callback (Node's SNICallback): the certificate follows
// the servername the client sent, answered at once or later; an unknown
// name or no servername gets the server's own certificate; a refusal fails
// that handshake only.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
// The server's own certificate is example.com's, so a client can tell it
// from the two the callback hands out.
tls::server_options sni_server() {
  auto so = test::server_tls();
  so.cert = test::cert("wronghost.crt");
  return so;
}

std::shared_ptr<tls::secure_context> context_for(const char* name) {
  const std::string n = name;
  return tls::create_secure_context(
      {.key = test::cert((n + ".key").c_str()), .cert = test::cert((n + ".crt").c_str())});
}

// A real ClientHello naming `name`, as a client's first flight.
std::string client_hello(const char* name) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  SSL_set_tlsext_host_name(ssl, name);
  SSL_connect(ssl);  // wants to read: the ClientHello is written
  char* bytes = nullptr;
  const long n = BIO_get_mem_data(SSL_get_wbio(ssl), &bytes);
  std::string out(bytes, static_cast<std::size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

struct seen {
  std::string cn;  // the peer certificate's subject CN
  bool authorized = false;
  std::optional<net::error_info> error;
};
}  // namespace

TEST_CASE("sni_callback serves each servername its own certificate, at once or later, and the rest the default") {
  loop l;
  auto localhost = context_for("server");
  auto other = context_for("other");
  std::vector<std::string> asked;
  std::map<std::string, std::string> server_saw;  // servername -> what the server socket says
  auto so = sni_server();
  so.sni_callback = [&](std::string_view name, tls::sni_done done) {
    asked.emplace_back(name);
    if (name == "localhost") {
      done(nullptr, localhost);  // at once
    } else if (name == "other.test") {
      l.post([done, &other] { done(nullptr, other); });  // later: the handshake waits
    } else {
      l.post([done] { done(nullptr, nullptr); });  // no context: the default
    }
  };
  auto srv = tls::create_server(l, so, [&](tls::socket& s) {
    server_saw[s.servername().empty() ? "(none)" : s.servername()] = "secure";
    s.end();
  });
  const std::vector<std::string> names = {"localhost", "other.test", "unknown.test", ""};
  std::map<std::string, seen> got;
  int open = static_cast<int>(names.size());
  srv->listen(0, "127.0.0.1", 511, [&] {
    for (const auto& name : names) {
      tls::connect_options o{.port = test::port_of(*srv), .host = "127.0.0.1", .ca = test::cert("ca.crt")};
      o.servername = name;  // empty with an IP host: no SNI at all
      o.reject_unauthorized = name == "localhost" || name == "other.test";
      const std::string key = name.empty() ? "(none)" : name;
      auto c = tls::connect(l, o);
      c->on<"secureConnect">([&, c, key] {
        auto cert = c->get_peer_certificate();
        got[key].cn = cert ? cert->subject.at("CN") : "";
        got[key].authorized = c->authorized();
      });
      c->on<"data">([](std::string_view) {});
      c->on<"error">([&, key](const net::error_info& e) { got[key].error = e; });
      c->on<"close">([&](bool) {
        if (--open == 0) srv->close();
      });
    }
  });
  test::run_bounded(l);
  // Called once per servername, never without one.
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::string>{"localhost", "other.test", "unknown.test"});
  CHECK(!got["localhost"].error);
  CHECK(got["localhost"].cn == "localhost");
  CHECK(got["localhost"].authorized);
  CHECK(!got["other.test"].error);
  CHECK(got["other.test"].cn == "other.test");
  CHECK(got["other.test"].authorized);
  CHECK(got["unknown.test"].cn == "example.com");
  CHECK(got["(none)"].cn == "example.com");
  CHECK(server_saw.size() == 4);
  CHECK(server_saw.count("other.test") == 1);
}

TEST_CASE("an sni_callback error fails that handshake with tlsClientError, and the server serves on") {
  for (bool later : {false, true}) {
    CAPTURE(later);
    loop l;
    auto localhost = context_for("server");
    auto so = sni_server();
    so.sni_callback = [&](std::string_view name, tls::sni_done done) {
      if (name != "bad.test") {
        done(nullptr, localhost);
        return;
      }
      auto refuse = [done] {
        net::error_info e;
        e.code = "ENOCERT";
        e.message = "no certificate for bad.test";
        done(&e, nullptr);
        done(nullptr, nullptr);  // a second answer is ignored
      };
      if (later) {
        l.post(refuse);
      } else {
        refuse();
      }
    };
    std::vector<std::string> client_errors;  // as tlsClientError saw them
    int secure_connections = 0;
    auto srv = tls::create_server(l, so, [&](tls::socket& s) {
      ++secure_connections;
      s.end();
    });
    srv->on<"tlsClientError">(
        [&](const net::error_info& e, tls::socket&) { client_errors.push_back(e.code + ": " + e.message); });
    std::optional<net::error_info> bad_error, good_error;
    bool bad_secure = false, good_secure = false;
    srv->listen(0, "127.0.0.1", 511, [&] {
      tls::connect_options o{.port = test::port_of(*srv), .host = "127.0.0.1", .ca = test::cert("ca.crt")};
      o.servername = "bad.test";
      auto bad = tls::connect(l, o);
      bad->on<"secureConnect">([&] { bad_secure = true; });
      bad->on<"error">([&](const net::error_info& e) { bad_error = e; });
      bad->on<"close">([&, o](bool) mutable {
        // The refused client is gone: the next one is served as usual.
        o.servername = "localhost";
        auto good = tls::connect(l, o);
        good->on<"secureConnect">([&] { good_secure = true; });
        good->on<"data">([](std::string_view) {});
        good->on<"error">([&](const net::error_info& e) { good_error = e; });
        good->on<"close">([&](bool) { srv->close(); });
      });
    });
    test::run_bounded(l);
    CHECK(!bad_secure);
    REQUIRE(bad_error);
    CHECK(bad_error->code == "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR");
    CHECK(client_errors == std::vector<std::string>{"ENOCERT: no certificate for bad.test"});
    CHECK(good_secure);
    CHECK(!good_error);
    CHECK(secure_connections == 1);
  }
}

TEST_CASE("bytes that follow the ClientHello wait with it for a later answer, then the handshake goes on") {
  loop l;
  auto other = context_for("other");
  std::optional<tls::sni_done> answer;
  auto so = sni_server();
  so.sni_callback = [&](std::string_view, tls::sni_done done) { answer = std::move(done); };
  auto srv = tls::create_server(l, so);
  std::string server_hello;
  // The answer comes 100 ms later; a loop spinning on the waiting bytes
  // would never get here.
  deadline later(l, [&] { (*answer)(nullptr, other); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto raw = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    raw->on<"connect">([raw, &later] {
      raw->write(client_hello("other.test"));
      raw->write(std::string("\x14\x03\x03\x00\x01\x01", 6));  // change_cipher_spec, as some clients send now
      later.expires_after(std::chrono::milliseconds(100));
    });
    raw->on<"data">([&, raw](std::string_view d) {
      server_hello.append(d);
      raw->destroy();
      srv->close();
    });
    raw->on<"error">([](const net::error_info&) {});
  });
  test::run_bounded(l);
  REQUIRE(answer);
  REQUIRE(!server_hello.empty());
  CHECK(server_hello[0] == '\x16');  // a handshake record: the ServerHello
}

TEST_CASE("an sni_callback that never answers ends in ERR_TLS_HANDSHAKE_TIMEOUT, and a late answer is harmless") {
  loop l;
  auto localhost = context_for("server");
  std::optional<tls::sni_done> answer;
  auto so = sni_server();
  so.handshake_timeout = std::chrono::milliseconds(100);
  so.sni_callback = [&](std::string_view, tls::sni_done done) { answer = std::move(done); };
  auto srv = tls::create_server(l, so);
  std::string server_error;
  std::optional<net::error_info> client_error;
  srv->on<"tlsClientError">([&](const net::error_info& e, tls::socket&) {
    server_error = e.code;
    l.post([&] {
      (*answer)(nullptr, localhost);  // too late: nothing happens
      srv->close();
    });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto o = test::client_tls(test::port_of(*srv));
    auto c = tls::connect(l, o);
    c->on<"error">([&](const net::error_info& e) { client_error = e; });
  });
  test::run_bounded(l);
  CHECK(server_error == "ERR_TLS_HANDSHAKE_TIMEOUT");
  CHECK(client_error);
}
