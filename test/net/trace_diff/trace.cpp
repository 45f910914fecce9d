// The recorder DSL's helpers (trace.hpp) and the comparison itself.
#include "trace.hpp"

#include <unistd.h>

#include <cstdlib>
#include <map>

#include "../../oracle.hpp"
#include "../io/net_test_util.hpp"

namespace coronet::trace_diff {

namespace {

using lines_t = std::vector<std::string>;

// What Node 26 printed for `name`, killed after 10 s; a failed test when
// there is no Node 26.
lines_t node_trace(const std::string& name) {
  const char* node = std::getenv("CORONET_NODE");
  REQUIRE_MESSAGE(test::is_node26(node ? node : ""), "the trace test needs Node 26 in CORONET_NODE");
  return test::lines(test::run("timeout -s KILL 10 '" + std::string(node) + "' '" CORONET_TRACE_SCENARIOS "' " + name));
}

// Each actor's lines in order: what must match.
std::map<std::string, lines_t> per_actor(const lines_t& trace) {
  std::map<std::string, lines_t> by;
  for (const auto& line : trace) by[line.substr(0, line.find(' '))].push_back(line);
  return by;
}

std::string joined(const lines_t& trace) {
  std::string out;
  for (const auto& line : trace) out += "\n  " + line;
  return out;
}

std::string backend() {
  const char* b = std::getenv("CORONET_BACKEND");
  return b ? b : "uring";
}

}  // namespace

void compare(const std::string& name, twin fn) {
  const lines_t theirs = node_trace(name);
  REQUIRE_MESSAGE(!theirs.empty(), "Node printed nothing for ", name);
  recorder ours;
  {
    loop l;
    fn(l, ours);
    test::run_bounded(l);
  }
  const bool same = per_actor(ours.lines) == per_actor(theirs);
  std::string known;
  for (const auto& k : ours.known_diffs) {
    if (k.backend.empty() || k.backend == backend()) known = k.reason;
  }
  INFO("scenario ", name, " on ", backend(), "\nNode 26:", joined(theirs), "\ncoronet:", joined(ours.lines));
  if (known.empty()) {
    CHECK(same);
  } else {
    MESSAGE("known difference: ", known);
    CHECK_MESSAGE(!same, "the known difference is gone: remove the KNOWN_DIFF marker (", known, ")");
  }
}

void watch(net::socket& s, const std::string& who, recorder& t, const events_t& events) {
  for (std::string_view e : events) {
    if (e == "connect") s.on<"connect">([&t, who] { t(who + " connect"); });
    if (e == "ready") s.on<"ready">([&t, who] { t(who + " ready"); });
    if (e == "data") s.on<"data">([&t, who](std::string_view d) { t(who + " data " + std::string(d)); });
    if (e == "end") s.on<"end">([&t, who] { t(who + " end"); });
    if (e == "finish") s.on<"finish">([&t, who] { t(who + " finish"); });
    if (e == "error") s.on<"error">([&t, who](const net::error_info& err) { t(who + " error " + err.code); });
    if (e == "close") s.on<"close">([&t, who](bool had_error) { t(who + " close " + yes_no(had_error)); });
    if (e == "timeout") s.on<"timeout">([&t, who] { t(who + " timeout"); });
    if (e == "drain") s.on<"drain">([&t, who] { t(who + " drain"); });
  }
}

std::string code(const net::error_info* e) { return e ? e->code : "ok"; }

net::error_info boom() {
  net::error_info e;
  e.code = "EBOOM";
  e.message = "boom";
  return e;
}

std::string yes_no(bool b) { return b ? "true" : "false"; }

net::connect_options at(int port) {
  net::connect_options o;
  o.port = port;
  o.host = "127.0.0.1";
  return o;
}

std::shared_ptr<net::server> serve(loop& l, std::function<void(net::socket&)> on_conn,
                                   std::function<void(std::shared_ptr<net::server>, int)> then,
                                   net::server_options options) {
  auto srv = net::create_server(l, options, [on_conn = std::move(on_conn)](net::socket& s) {
    s.on<"error">([](const net::error_info&) {});
    on_conn(s);
  });
  srv->listen(0, "127.0.0.1", 511, [srv, then = std::move(then)] { then(srv, test::port_of(*srv)); });
  return srv;
}

net::socket& client(loop& l, recorder& t, std::shared_ptr<net::server> srv, net::connect_options o,
                    const std::string& who, const events_t& events, net::socket_options so) {
  auto c = net::socket::create(l, std::move(so));
  c->connect(std::move(o));
  watch(*c, who, t, events);
  c->on<"close">([srv](bool) { srv->close(); });
  return *c;
}

void refused_port(loop& l, std::function<void(int)> then) {
  auto probe = net::create_server(l);
  probe->listen(0, "127.0.0.1", 511, [probe, then = std::move(then)] {
    const int port = test::port_of(*probe);
    probe->close([port, then](const net::error_info*) { then(port); });
  });
}

void attempt(recorder& t, const std::string& who, const std::function<void()>& f) {
  try {
    f();
    t(who + " no throw");
  } catch (const net::error& e) {
    t(who + " throws " + std::string(e.code_name()));
  }
}

void after(loop& l, std::chrono::milliseconds d, std::function<void()> fn) {
  spawn(l, [&l, d, fn = std::move(fn)]() -> task<void> {
    co_await sleep_for(l, d);
    fn();
  });
}

std::string ipc_path(const std::string& tag) {
  std::string p = "/tmp/coronet-trace-" + std::to_string(::getpid()) + "-" + tag + ".sock";
  ::unlink(p.c_str());
  return p;
}

}  // namespace coronet::trace_diff
