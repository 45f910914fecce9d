// Trace scenarios: the server — maxConnections, listen errors and states,
// close while connections live (after test-net-server-max-connections,
// test-net-server-drop-connections, test-net-listen-error,
// test-net-server-listen-options, test-net-server-call-listen-multiple-times,
// test-net-server-close, test-net-server-unref).
#include "../io/net_test_util.hpp"
#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

namespace {
std::string address_text(const net::server_address& a) {
  if (const auto* info = std::get_if<net::address_info>(&a)) return info->address + " " + info->family;
  if (const auto* path = std::get_if<std::string>(&a)) return *path;
  return "null";
}
}  // namespace

TRACE_SCENARIO("max-connections-zero", "max_connections 0 drops every connection, with a drop event") {
  auto srv = net::create_server(l, [&t](net::socket&) { t("server connection"); });
  srv->max_connections = 0;
  srv->on<"drop">([&t](const net::drop_info& d) {
    t("server drop " + d.local_address + " " + d.local_family + " " + d.remote_address + " " + d.remote_family);
  });
  srv->listen(0, "127.0.0.1", 511, [&, srv] { client(l, t, srv, at(test::port_of(*srv))); });
}

TRACE_SCENARIO("max-connections-one", "past max_connections a second connection is dropped") {
  auto srv = net::create_server(l, [&t](net::socket& s) {
    t("server connection");
    s.on<"end">([&s] { s.end(); });
  });
  srv->max_connections = 1;
  srv->drop_max_connection = true;
  srv->on<"drop">([&t](const net::drop_info&) { t("server drop"); });
  srv->listen(0, "127.0.0.1", 511, [&, srv] {
    const int port = test::port_of(*srv);
    auto first = net::connect(l, at(port));
    watch(*first, "first", t, {"connect", "end", "close"});
    first->on<"connect">([&, port, &first = *first] {
      auto second = net::connect(l, at(port));
      watch(*second, "second", t, {"connect", "end", "close"});
      second->on<"close">([&first](bool) { first.end(); });
    });
    first->on<"close">([srv](bool) { srv->close(); });
  });
}

TRACE_SCENARIO("server-close-order", "close callbacks and close listeners in the order they were added") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int) {
        srv->on<"close">([&t] { t("server close listener 1"); });
        srv->close([&t](const net::error_info* e) { t("server close callback " + code(e)); });
        srv->on<"close">([&t] { t("server close listener 2"); });
      });
}

TRACE_SCENARIO("listen-eaddrinuse", "EADDRINUSE is an error event, after which listen works again") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto b = net::create_server(l);
        b->on<"listening">([&t] { t("second listening"); });
        b->on<"error">([&t, b, srv](const net::error_info& e) {
          t("second error " + e.code + " " + e.syscall + " listening " + yes_no(b->listening()));
          b->listen(0, "127.0.0.1", 511, [&t, b, srv] {
            t("second listening again");
            b->close();
            srv->close();
          });
        });
        b->listen(port, "127.0.0.1");
      });
}

TRACE_SCENARIO("listen-bad-options", "listen options with neither port nor path, or a bad port, throw") {
  auto srv = net::create_server(l);
  net::server_listen_options host_only;
  host_only.host = "127.0.0.1";
  attempt(t, "server host only", [&] { srv->listen(host_only); });
  net::server_listen_options exclusive_only;
  exclusive_only.exclusive = true;
  attempt(t, "server exclusive only", [&] { srv->listen(exclusive_only); });
  for (int port : {-1, 65536}) {
    net::server_listen_options bad;
    bad.port = port;
    attempt(t, "server port " + std::to_string(port), [&] { srv->listen(bad); });
  }
  t("server listening " + yes_no(srv->listening()));
}

TRACE_SCENARIO("listen-twice", "listen() on a listening server throws ERR_SERVER_ALREADY_LISTEN") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int) {
        attempt(t, "server listen again", [&] { srv->listen(0, "127.0.0.1"); });
        srv->close([&t](const net::error_info*) { t("server closed"); });
      });
}

TRACE_SCENARIO("close-then-listen", "close() then listen() at once listens again") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int) {
        srv->close([&t](const net::error_info*) { t("server close callback"); });
        srv->listen(0, "127.0.0.1", 511, [&t, srv] {
          t("server listening " + yes_no(srv->listening()));
          srv->close();
        });
      });
}

TRACE_SCENARIO("close-not-running", "close() on a server never listening calls back ERR_SERVER_NOT_RUNNING") {
  auto srv = net::create_server(l);
  srv->on<"close">([&t] { t("server close listener"); });
  srv->close([&t](const net::error_info* e) { t("server close callback " + code(e)); });
}

TRACE_SCENARIO("listening-state", "listening() and address() stay empty until listening") {
  auto srv = net::create_server(l);
  srv->listen(0, "127.0.0.1", 511, [&t, srv] {
    t("server listening " + yes_no(srv->listening()) + " " + address_text(srv->address()));
    srv->close();
  });
  t("server listening " + yes_no(srv->listening()) + " address " + address_text(srv->address()));
}

TRACE_SCENARIO("listen-no-arguments", "listen() with no arguments: a free port on [::]") {
  auto srv = net::create_server(l);
  srv->on<"listening">([&t, &srv = *srv] {
    t("server listening " + address_text(srv.address()) + " port>0 " + yes_no(test::port_of(srv) > 0));
    srv.close();
  });
  srv->listen();
}

TRACE_SCENARIO("server-close-live", "close() with a live connection: close waits for it") {
  auto srv = net::create_server(l);
  srv->on<"connection">([&t, &srv = *srv](net::socket& s) {
    watch(s, "server", t, {"end", "close"});
    srv.close([&t](const net::error_info*) { t("server close callback"); });
    srv.get_connections([&t](const net::error_info* e, std::size_t n) {
      t("server connections " + code(e) + " " + std::to_string(n));
    });
    t("server listening " + yes_no(srv.listening()));
    s.on<"end">([&s] { s.end(); });
  });
  srv->listen(0, "127.0.0.1", 511, [&, srv] {
    auto c = net::connect(l, at(test::port_of(*srv)));
    watch(*c, "client", t, {"connect", "end", "close"});
    c->on<"connect">([&l, &c = *c] { after(l, std::chrono::milliseconds(30), [&c] { c.end(); }); });
  });
}

TRACE_SCENARIO("refused-after-close", "after close() a new connection is refused at once") {
  auto srv = net::create_server(l);
  auto port = std::make_shared<int>(0);
  srv->on<"connection">([&, port, &srv = *srv](net::socket& s) {
    srv.close();
    auto second = net::connect(l, at(*port));
    watch(*second, "second", t, {"connect", "error", "close"});
    second->on<"close">([s = s.shared_from_this()](bool) { s->destroy(); });
  });
  srv->listen(0, "127.0.0.1", 511, [&, srv, port] {
    *port = test::port_of(*srv);
    auto first = net::connect(l, at(*port));
    first->on<"error">([](const net::error_info&) {});
    watch(*first, "first", t, {"connect", "close"});
  });
}
