// The event-trace differential test: each scenario in scenarios.js runs
// under Node 26 (CORONET_NODE) and as its C++ twin below; the two traces,
// one event a line, must match line by line. Ten scenarios so far.
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "../io/net_test_util.hpp"
#include "../../oracle.hpp"

using namespace coronet;
using trace = std::vector<std::string>;

namespace {

// What Node 26 printed for `name`; a failed test when there is no Node 26.
trace node_trace(const std::string& name) {
  const char* node = std::getenv("CORONET_NODE");
  REQUIRE_MESSAGE(test::is_node26(node ? node : ""), "the trace test needs Node 26 in CORONET_NODE");
  return test::lines(test::run("'" + std::string(node) + "' '" CORONET_TRACE_SCENARIOS "' " + name));
}

// The twin of scenarios.js's watch(): logs a socket's events as its lines.
void watch(net::socket& s, const std::string& who, trace& t) {
  s.on<"connect">([&t, who] { t.push_back(who + " connect"); });
  s.on<"ready">([&t, who] { t.push_back(who + " ready"); });
  s.on<"data">([&t, who](std::string_view d) { t.push_back(who + " data " + std::string(d)); });
  s.on<"end">([&t, who] { t.push_back(who + " end"); });
  s.on<"finish">([&t, who] { t.push_back(who + " finish"); });
  s.on<"error">([&t, who](const net::error_info& e) { t.push_back(who + " error " + e.code); });
  s.on<"close">([&t, who](bool had_error) { t.push_back(who + " close " + (had_error ? "true" : "false")); });
  s.on<"timeout">([&t, who] { t.push_back(who + " timeout"); });
  s.on<"drain">([&t, who] { t.push_back(who + " drain"); });
}

std::shared_ptr<net::server> serve(loop& l, std::function<void(net::socket&)> on_conn,
                                   std::function<void(std::shared_ptr<net::server>, int)> then) {
  auto srv = net::create_server(l, std::move(on_conn));
  srv->listen(0, "127.0.0.1", 511, [srv, then = std::move(then)] { then(srv, test::port_of(*srv)); });
  return srv;
}

std::string code_or_ok(const net::error_info* e) { return e ? e->code : "ok"; }

void compare(const std::string& name, const std::function<void(loop&, trace&)>& twin) {
  const trace theirs = node_trace(name);
  trace ours;
  loop l;
  twin(l, ours);
  test::run_bounded(l);
  // Joined, so that a difference prints both traces.
  auto joined = [](const trace& t) {
    std::string out;
    for (const auto& line : t) out += line + " | ";
    return out;
  };
  INFO("scenario ", name);
  CHECK(joined(ours) == joined(theirs));
}

}  // namespace

TEST_CASE("trace: the server ends, the client follows") {
  compare("server-ends", [](loop& l, trace& t) {
    serve(l, [](net::socket& s) { s.end("hi"); }, [&](auto srv, int port) {
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c->set_encoding("utf8");
      watch(*c, "client", t);
      c->on<"close">([srv](bool) { srv->close(); });
    });
  });
}

TEST_CASE("trace: a refused connection") {
  compare("refused", [](loop& l, trace& t) {
    auto probe = net::create_server(l);
    probe->listen(0, "127.0.0.1", 511, [&, probe] {
      const int port = test::port_of(*probe);
      probe->close([&, port](const net::error_info*) {
        auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
        watch(*c, "client", t);
      });
    });
  });
}

TEST_CASE("trace: the client ends first") {
  compare("client-ends-first", [](loop& l, trace& t) {
    serve(l, [&](net::socket& s) {
      s.set_encoding("utf8");
      s.on<"data">([&t](std::string_view d) { t.push_back("server data " + std::string(d)); });
      s.on<"end">([&t] { t.push_back("server end"); });
      s.on<"finish">([&t] { t.push_back("server finish"); });
    }, [&](auto srv, int port) {
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c->on<"connect">([&c = *c] { c.end("bye"); });
      watch(*c, "client", t);
      c->on<"close">([srv](bool) { srv->close(); });
    });
  });
}

TEST_CASE("trace: a half-open client ends after the server") {
  compare("half-open", [](loop& l, trace& t) {
    serve(l, [](net::socket& s) { s.end("half"); }, [&](auto srv, int port) {
      auto c = net::socket::create(l, {.allow_half_open = true});
      c->connect(port, "127.0.0.1");
      c->set_encoding("utf8");
      watch(*c, "client", t);
      c->on<"end">([&c = *c] { c.end(); });
      c->on<"close">([srv](bool) { srv->close(); });
    });
  });
}

TEST_CASE("trace: reset_and_destroy on a socket that never connected") {
  compare("reset-unconnected", [](loop& l, trace& t) {
    auto c = net::socket::create(l);
    c->on<"error">([&t](const net::error_info& e) { t.push_back("client error " + e.code); });
    c->on<"close">([&t](bool) { t.push_back("client close"); });
    c->reset_and_destroy();
  });
}

TEST_CASE("trace: close callbacks and close listeners in the order they were added") {
  compare("server-close-order", [](loop& l, trace& t) {
    serve(l, [](net::socket&) {}, [&](auto srv, int) {
      srv->template on<"close">([&t] { t.push_back("server close listener 1"); });
      srv->close([&t](const net::error_info* e) { t.push_back("server close callback " + code_or_ok(e)); });
      srv->template on<"close">([&t] { t.push_back("server close listener 2"); });
    });
  });
}

TEST_CASE("trace: a write after our own end, once the peer ended, is EPIPE") {
  compare("write-after-end-epipe", [](loop& l, trace& t) {
    serve(l, [](net::socket& s) { s.end(); }, [&](auto srv, int port) {
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c->on<"end">([&t] { t.push_back("client end"); });
      c->on<"error">([&t](const net::error_info& e) { t.push_back("client error " + e.code); });
      c->on<"close">([&t](bool e) { t.push_back(std::string("client close ") + (e ? "true" : "false")); });
      c->on<"end">([&t, &c = *c] {
        c.end();
        c.write("x", [&t](const net::error_info* e) { t.push_back("client write cb " + code_or_ok(e)); });
      });
      c->on<"close">([srv](bool) { srv->close(); });
    });
  });
}

TEST_CASE("trace: end(data, cb) calls back before finish, and after close") {
  compare("end-callback", [](loop& l, trace& t) {
    serve(l, [](net::socket& s) { s.resume(); }, [&](auto srv, int port) {
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      c->on<"connect">([&t] { t.push_back("client connect"); });
      c->on<"finish">([&t] { t.push_back("client finish"); });
      c->on<"close">([&t](bool e) { t.push_back(std::string("client close ") + (e ? "true" : "false")); });
      c->end("x", [&t] { t.push_back("client end cb"); });
      c->on<"close">([&t, &c = *c, srv](bool) {
        c.end([&t] { t.push_back("client end cb after close"); });
        srv->close();
      });
    });
  });
}

TEST_CASE("trace: an idle timeout, then destroy") {
  compare("idle-timeout", [](loop& l, trace& t) {
    serve(l, [](net::socket&) {}, [&](auto srv, int port) {
      auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
      watch(*c, "client", t);
      c->set_timeout(20, [&c = *c] { c.destroy(); });
      c->on<"close">([srv](bool) { srv->close(); });
    });
  });
}
