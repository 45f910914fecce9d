// tls::server::add_context (Node's server.addContext): without an
// sni_callback the servername picks among the added contexts, '*' stands
// for one label's characters, case does not matter, and the context added
// last wins, as Node 26 does (checked there with the same certificates).
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <map>
#include <string>
#include <vector>

#include "tls_test_util.hpp"

using namespace coronet;

namespace {
// The server's own certificate is example.com's, so a client can tell it
// from the added ones.
tls::server_options default_example_com() {
  auto so = test::server_tls();
  so.cert = test::cert("wronghost.crt");
  return so;
}

std::shared_ptr<tls::secure_context> context_for(const char* key, const char* cert) {
  return tls::create_secure_context({.key = test::cert(key), .cert = test::cert(cert)});
}

// For each servername, which certificate came back: "<subject CN> by
// <issuer CN>" (self.crt is localhost's too, but signed by itself).
std::map<std::string, std::string> certificates_for(tls::server& srv, loop& l, const std::vector<std::string>& names) {
  std::map<std::string, std::string> got;
  int open = static_cast<int>(names.size());
  srv.listen(0, "127.0.0.1", 511, [&] {
    for (const auto& name : names) {
      tls::connect_options o{.port = test::port_of(srv), .host = "127.0.0.1", .ca = test::cert("ca.crt")};
      o.servername = name;  // empty with an IP host: no SNI at all
      o.reject_unauthorized = false;
      auto c = tls::connect(l, o);
      c->on<"secureConnect">([&, c, name] {
        auto cert = c->get_peer_certificate();
        got[name] = cert ? cert->subject.at("CN") + " by " + cert->issuer.at("CN") : "none";
        c->end();
      });
      c->on<"data">([](std::string_view) {});
      c->on<"error">([&, name](const net::error_info& e) { got[name] = "error " + e.code; });
      c->on<"close">([&](bool) {
        if (--open == 0) srv.close();
      });
    }
  });
  test::run_bounded(l);
  return got;
}

const std::string example_com = "example.com by coronet test CA";
const std::string localhost = "localhost by coronet test CA";
const std::string other = "other.test by coronet test CA";
const std::string self = "localhost by localhost";
}  // namespace

TEST_CASE("add_context serves the context whose hostname matches the servername, the last added first") {
  loop l;
  auto srv = tls::create_server(l, default_example_com(), [](tls::socket& s) { s.end(); });
  srv->add_context("localhost", {.key = test::cert("server.key"), .cert = test::cert("server.crt")});
  srv->add_context("*.test", context_for("other.key", "other.crt"));
  srv->add_context("x.test", context_for("self.key", "self.crt"));  // later: wins over *.test
  auto got = certificates_for(*srv, l,
                              {"localhost", "LocalHost", "other.test", "OTHER.Test", "x.test", ".test", "a.b.test",
                               "test", "example.com", "unknown", ""});
  CHECK(got["localhost"] == localhost);
  CHECK(got["LocalHost"] == localhost);  // case does not matter
  CHECK(got["other.test"] == other);
  CHECK(got["OTHER.Test"] == other);
  CHECK(got["x.test"] == self);
  CHECK(got[".test"] == other);           // '*' may take nothing, as Node's [^.]*
  CHECK(got["a.b.test"] == example_com);  // one label only
  CHECK(got["test"] == example_com);
  CHECK(got["example.com"] == example_com);
  CHECK(got["unknown"] == example_com);
  CHECK(got[""] == example_com);  // no servername at all
}

TEST_CASE("a wildcard added after a name wins over it, and '*' inside a label matches part of it") {
  loop l;
  auto srv = tls::create_server(l, default_example_com(), [](tls::socket& s) { s.end(); });
  srv->add_context("x.test", context_for("self.key", "self.crt"));
  srv->add_context("*.test", context_for("other.key", "other.crt"));  // later: wins over x.test
  srv->add_context("a*.example", context_for("server.key", "server.crt"));
  auto got = certificates_for(*srv, l, {"x.test", "a.example", "abc.example", "b.example", "ab.c.example"});
  CHECK(got["x.test"] == other);
  CHECK(got["a.example"] == localhost);
  CHECK(got["abc.example"] == localhost);
  CHECK(got["b.example"] == example_com);
  CHECK(got["ab.c.example"] == example_com);
}

TEST_CASE("a context added while the server runs serves the next handshakes") {
  loop l;
  auto srv = tls::create_server(l, default_example_com(), [](tls::socket& s) { s.end(); });
  auto before = certificates_for(*srv, l, {"other.test"});
  CHECK(before["other.test"] == example_com);
  srv->add_context("other.test", context_for("other.key", "other.crt"));
  auto after = certificates_for(*srv, l, {"other.test"});
  CHECK(after["other.test"] == other);
}

TEST_CASE("with an sni_callback the added contexts are not consulted, as in Node") {
  loop l;
  auto so = default_example_com();
  std::vector<std::string> asked;
  so.sni_callback = [&](std::string_view name, tls::sni_done done) {
    asked.emplace_back(name);
    done(nullptr, nullptr);
  };
  auto srv = tls::create_server(l, so, [](tls::socket& s) { s.end(); });
  srv->add_context("*.test", context_for("other.key", "other.crt"));
  auto got = certificates_for(*srv, l, {"other.test"});
  CHECK(got["other.test"] == example_com);
  CHECK(asked == std::vector<std::string>{"other.test"});
}

TEST_CASE("add_context without a hostname throws ERR_TLS_REQUIRED_SERVER_NAME") {
  loop l;
  auto srv = tls::create_server(l, default_example_com());
  for (bool options_form : {true, false}) {
    CAPTURE(options_form);
    try {
      if (options_form) {
        srv->add_context("", {.key = test::cert("other.key"), .cert = test::cert("other.crt")});
      } else {
        srv->add_context("", context_for("other.key", "other.crt"));
      }
      FAIL("no throw");
    } catch (const tls::error& e) {
      CHECK(e.code_name() == "ERR_TLS_REQUIRED_SERVER_NAME");
      CHECK(std::string(e.what()) == "\"servername\" is required parameter for Server.addContext");
      CHECK(e.code() == tls::errc::ERR_TLS_REQUIRED_SERVER_NAME);
    }
  }
  // A bad context throws as create_secure_context does.
  CHECK_THROWS_AS(srv->add_context("x.test", {.cert = "not a certificate"}), tls::error);
}
