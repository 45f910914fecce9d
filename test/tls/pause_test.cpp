// A tls::socket paused before its handshake is done still finishes the
// handshake, as Node's TLSSocket does (checked with Node 26): secureConnect
// or secureConnection fires while it is paused, and only the plaintext
// waits for resume(). Node: a client paused right after tls.connect, a
// server with pauseOnConnect, a server socket paused in `connection`.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <memory>
#include <optional>
#include <string>

#include "tls_test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// What the paused side saw: its secure event, whether it was still paused
// then, and the data, of which `early` pieces came before resume().
struct paused_side {
  bool secure = false;
  bool paused_at_secure = false;
  bool resumed = false;
  int early = 0;
  std::string data;

  void on_data(std::string_view d) {
    if (!resumed) ++early;
    data.append(d);
  }
  void check(const char* expected) const {
    CHECK(secure);
    CHECK(paused_at_secure);
    CHECK(early == 0);
    CHECK(data == expected);
  }
};
}  // namespace

TEST_CASE("a client paused right after tls::connect finishes its handshake; data waits for resume") {
  loop l;
  paused_side c_side;
  std::string server_got;
  std::shared_ptr<tls::socket> c;
  deadline resume_later(l, [&] {
    c_side.resumed = true;
    c->resume();
  });
  auto srv = tls::create_server(l, test::server_tls(), [&](tls::socket& s) {
    s.write("from server");
    s.on<"data">([&](std::string_view d) { server_got.append(d); });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    c = tls::connect(l, test::client_tls(test::port_of(*srv)));
    c->pause();
    CHECK(c->is_paused());
    c->on<"secureConnect">([&] {
      c_side.secure = true;
      c_side.paused_at_secure = c->is_paused();
      c->write("from client");
      resume_later.expires_after(100ms);
    });
    c->on<"data">([&](std::string_view d) {
      c_side.on_data(d);
      c->end();
    });
    c->on<"error">([](const net::error_info& e) { FAIL(e.code); });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  c_side.check("from server");
  CHECK(server_got == "from client");
}

TEST_CASE("a paused server connection finishes its handshake; data waits for resume") {
  // pause_on_connect, or a pause in `connection` (on the tls::socket as a
  // net::socket), before the ClientHello has arrived.
  for (bool pause_on_connect : {true, false}) {
    CAPTURE(pause_on_connect);
    loop l;
    paused_side s_side;
    std::string client_got;
    std::shared_ptr<net::socket> accepted;
    deadline resume_later(l, [&] {
      s_side.resumed = true;
      accepted->resume();
    });
    auto so = test::server_tls();
    so.pause_on_connect = pause_on_connect;
    auto srv = tls::create_server(l, so, [&](tls::socket& s) {
      s_side.secure = true;
      s_side.paused_at_secure = s.is_paused();
      s.write("from server");
      s.on<"data">([&](std::string_view d) {
        s_side.on_data(d);
        s.end();
      });
      resume_later.expires_after(100ms);
    });
    srv->on<"connection">([&](net::socket& s) {
      accepted = s.shared_from_this();
      if (!pause_on_connect) s.pause();
    });
    srv->on<"tlsClientError">([](const net::error_info& e, tls::socket&) { FAIL(e.code); });
    srv->listen(0, "127.0.0.1", 511, [&] {
      auto c = tls::connect(l, test::client_tls(test::port_of(*srv)));
      c->on<"secureConnect">([c] { c->write("from client"); });
      c->on<"data">([&](std::string_view d) { client_got.append(d); });
      c->on<"error">([](const net::error_info& e) { FAIL(e.code); });
      c->on<"close">([&](bool) { srv->close(); });
    });
    test::run_bounded(l);
    s_side.check("from client");
    CHECK(client_got == "from server");
  }
}

TEST_CASE("a client paused later in its handshake, through net::socket, still finishes it") {
  // The server's sni_callback answers after 150 ms; the client pauses (as a
  // plain net::socket) after 30 ms, with its ClientHello out and the
  // server's flight not yet there. Node 26 completes such a handshake.
  loop l;
  paused_side c_side;
  std::shared_ptr<tls::socket> c;
  std::optional<tls::sni_done> answer;
  deadline answer_later(l, [&] { (*answer)(nullptr, nullptr); });
  deadline pause_later(l, [&] { static_cast<net::socket&>(*c).pause(); });
  deadline resume_later(l, [&] {
    c_side.resumed = true;
    c->resume();
  });
  auto so = test::server_tls();
  so.sni_callback = [&](std::string_view, tls::sni_done done) {
    answer.emplace(std::move(done));
    answer_later.expires_after(150ms);
  };
  auto srv = tls::create_server(l, so, [&](tls::socket& s) { s.write("from server"); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto o = test::client_tls(test::port_of(*srv));
    o.servername = "localhost";
    c = tls::connect(l, o);
    pause_later.expires_after(30ms);
    c->on<"secureConnect">([&] {
      c_side.secure = true;
      c_side.paused_at_secure = c->is_paused();
      resume_later.expires_after(100ms);
    });
    c->on<"data">([&](std::string_view d) {
      c_side.on_data(d);
      c->end();
    });
    c->on<"error">([](const net::error_info& e) { FAIL(e.code); });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  c_side.check("from server");
}
