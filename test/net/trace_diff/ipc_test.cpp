// Trace scenarios: IPC over Unix sockets, paths and abstract names (after
// test-net-pipe-connect-errors, test-net-server-listen-path,
// test-pipe-abstract-socket, test-net-listen-error).
#include <unistd.h>

#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

namespace {
net::connect_options to_path(const std::string& path) {
  net::connect_options o;
  o.path = path;
  return o;
}
bool address_is(const net::server& srv, const std::string& path) {
  const auto a = srv.address();
  const auto* p = std::get_if<std::string>(&a);
  return p && *p == path;
}
}  // namespace

TRACE_SCENARIO("ipc-echo", "an echo over a Unix path; the client's remote address is undefined") {
  const std::string p = ipc_path("echo");
  auto srv = net::create_server(l, [](net::socket& s) { s.pipe(s.shared_from_this()); });
  srv->listen(p, [&, p, srv] {
    t("server address is the path " + yes_no(address_is(*srv, p)));
    auto& c = client(l, t, srv, to_path(p));
    c.set_encoding("utf8");
    c.on<"connect">([&t, &c] {
      t("client remoteAddress " + (c.remote_address().empty() ? std::string("undefined") : c.remote_address()));
      c.end("ping");
    });
  });
}

TRACE_SCENARIO("ipc-refused", "connecting to a missing path is ENOENT") {
  watch(*net::connect(l, to_path(ipc_path("missing"))), "client", t);
}

TRACE_SCENARIO("ipc-eaddrinuse", "listening on a path in use is EADDRINUSE") {
  const std::string p = ipc_path("inuse");
  auto a = net::create_server(l);
  a->listen(p, [&, p, a] {
    auto b = net::create_server(l);
    b->on<"error">([&t, a](const net::error_info& e) {
      t("second error " + e.code);
      a->close();
    });
    b->listen(p);
  });
}

TRACE_SCENARIO("ipc-abstract-flags", "readable_all or writable_all on an abstract name throws") {
  auto srv = net::create_server(l);
  net::server_listen_options readable;
  readable.path = std::string(1, '\0') + "coronet-trace-flags";
  readable.readable_all = true;
  attempt(t, "server readableAll", [&] { srv->listen(readable); });
  net::server_listen_options writable;
  writable.path = readable.path;
  writable.writable_all = true;
  attempt(t, "server writableAll", [&] { srv->listen(writable); });
  t("server listening " + yes_no(srv->listening()));
}

TRACE_SCENARIO("ipc-abstract", "a server on an abstract name") {
  const std::string name = std::string(1, '\0') + "coronet-trace-" + std::to_string(::getpid());
  auto srv = net::create_server(l, [](net::socket& s) { s.end("hi"); });
  srv->listen(name, [&, name, srv] {
    t("server address is the name " + yes_no(address_is(*srv, name)));
    client(l, t, srv, to_path(name)).set_encoding("utf8");
  });
}
