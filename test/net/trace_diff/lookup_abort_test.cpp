// Trace scenarios: lookup, autoSelectFamily and AbortSignal (after
// test-net-autoselectfamily, test-net-dns-custom-lookup,
// test-net-connect-options-invalid, test-net-localerror,
// test-net-connect-abort-controller, test-net-server-listen-options-signal).
#include <stop_token>

#include "trace.hpp"

using namespace coronet;
using namespace coronet::trace_diff;

namespace {
// A lookup that answers `found` (one address, or all when asked for all).
net::lookup_function answer(std::vector<net::lookup_address> found, recorder* t = nullptr) {
  return [found, t](std::string_view host, int, net::lookup_callback cb) {
    if (t) (*t)("client lookup " + std::string(host) + " all " + yes_no(cb.all()));
    if (cb.all()) {
      cb(nullptr, found);
    } else {
      cb(nullptr, found.front().address, found.front().family);
    }
  };
}
net::connect_options named(int port, net::lookup_function lookup) {
  net::connect_options o = at(port);
  o.host = "coronet.test";
  o.lookup = std::move(lookup);
  return o;
}
std::string replaced(std::string text, const std::string& what, const std::string& with) {
  if (auto at = text.find(what); at != std::string::npos) text.replace(at, what.size(), with);
  return text;
}
net::socket_options signalled(const std::stop_source& stop) {
  net::socket_options so;
  so.signal = stop.get_token();
  return so;
}
void log_abort_name(net::socket& c, recorder& t) {
  c.on<"error">([&t](const net::error_info& e) { t("client error name " + e.name); });
}
}  // namespace

TRACE_SCENARIO("custom-lookup", "a custom lookup is asked for every address") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, named(port, answer({{"127.0.0.1", 4}}, &t)), "client", {"connect", "end", "close"});
        c.on<"lookup">([&t](const net::error_info* e, std::string_view address, int family, std::string_view host) {
          t("client lookup event " + code(e) + " " + std::string(address) + " " + std::to_string(family) + " " +
            std::string(host));
        });
      });
}

TRACE_SCENARIO("lookup-bad-family", "a lookup answering family 100 is ERR_INVALID_ADDRESS_FAMILY") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        for (bool auto_select : {false, true}) {
          auto o = named(port, answer({{"127.0.0.1", 100}}));
          o.host = "localhost";
          o.auto_select_family = auto_select;
          auto c = net::connect(l, o);
          const std::string who = "client " + yes_no(auto_select);
          c->on<"error">([&t, who, port](const net::error_info& e) {
            t(who + " error " + e.code + " " + replaced(e.message, std::to_string(port), "PORT"));
          });
          c->on<"connect">([&t, who] { t(who + " connect"); });
          c->on<"close">([srv, auto_select](bool) {
            if (auto_select) srv->close();
          });
        }
      });
}

TRACE_SCENARIO("lookup-error", "a lookup's error is the socket's error") {
  net::lookup_function failing = [](std::string_view, int, net::lookup_callback cb) {
    net::error_info e;
    e.code = "ENOTFOUND";
    e.message = "nope";
    cb(&e, {}, 0);
  };
  watch(*net::connect(l, named(9, failing)), "client", t);
}

TRACE_SCENARIO("family-validation", "a bad family, local address or port throws at once") {
  auto o = at(9);
  o.host = "localhost";
  o.family = 5;
  attempt(t, "client family 5", [&] { net::connect(l, o); });
  auto local = at(9);
  local.local_address = "foobar";
  attempt(t, "client localAddress foobar", [&] { net::connect(l, local); });
  attempt(t, "client port 65536", [&] { net::connect(l, at(65536)); });
}

TRACE_SCENARIO("autoselect-attempts", "auto_select_family tries ::1, then 127.0.0.1, with attempt events") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto o = named(port, answer({{"::1", 6}, {"127.0.0.1", 4}}));
        o.auto_select_family = true;
        auto c = net::connect(l, o);
        c->on<"connectionAttempt">([&t](std::string_view ip, int, int family) {
          t("client attempt " + std::string(ip) + " " + std::to_string(family));
        });
        c->on<"connectionAttemptFailed">([&t](std::string_view ip, int, int family, const net::error_info& e) {
          t("client attempt failed " + std::string(ip) + " " + std::to_string(family) + " " + e.code);
        });
        c->on<"connect">([&t, &c = *c] {
          const auto& tried = c.auto_select_family_attempted_addresses();
          t("client connect " + c.remote_address() + " " + std::to_string(tried ? tried->size() : 0));
        });
        c->on<"close">([srv](bool) { srv->close(); });
      });
}

TRACE_SCENARIO("connection-attempt-next-turn", "connectionAttempt reaches listeners added after connect()") {
  serve(
      l, [](net::socket& s) { s.end(); },
      [&](server_ptr srv, int port) {
        auto& c = client(l, t, srv, at(port), "client", {"connect", "close"});
        c.on<"connectionAttempt">([&t](std::string_view ip, int, int family) {
          t("client attempt " + std::string(ip) + " " + std::to_string(family));
        });
      });
}

TRACE_SCENARIO("abort-before-connect", "an aborted signal destroys the socket with AbortError") {
  t.known_diff("Node 26 emits close twice (false, then true) for a socket whose signal was aborted before connect");
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        std::stop_source stop;
        stop.request_stop();
        log_abort_name(client(l, t, srv, at(port), "client", socket_events, signalled(stop)), t);
      });
}

TRACE_SCENARIO("abort-while-connecting", "aborting while connecting destroys the socket with AbortError") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        std::stop_source stop;
        log_abort_name(client(l, t, srv, at(port), "client", socket_events, signalled(stop)), t);
        stop.request_stop();
      });
}

TRACE_SCENARIO("abort-connected", "aborting a connected socket destroys it with AbortError") {
  serve(
      l, [](net::socket&) {},
      [&](server_ptr srv, int port) {
        auto stop = std::make_shared<std::stop_source>();
        auto& c = client(l, t, srv, at(port), "client", socket_events, signalled(*stop));
        log_abort_name(c, t);
        c.on<"connect">([stop] { stop->request_stop(); });
      });
}

TRACE_SCENARIO("abort-listen", "aborting a listening server's signal closes it") {
  auto stop = std::make_shared<std::stop_source>();
  auto srv = net::create_server(l);
  srv->on<"close">([&t, &srv = *srv] { t("server close listening " + yes_no(srv.listening())); });
  srv->on<"error">([&t](const net::error_info& e) { t("server error " + e.code); });
  net::server_listen_options o;
  o.port = 0;
  o.host = "127.0.0.1";
  o.signal = stop->get_token();
  srv->listen(o, [&t, stop] {
    t("server listening");
    stop->request_stop();
  });
}
