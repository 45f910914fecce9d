// The recorder DSL of the event-trace differential test. A scenario is
//
//     TRACE_SCENARIO("server-ends", "the server ends, the client follows") {
//       serve(l, [](net::socket& s) { s.end("hi"); }, [&](auto srv, int port) {
//         client(l, t, srv, at(port)).set_encoding("utf8");
//       });
//     }
//
// with `l` the loop and `t` the recorder in scope; scenarios.js holds the
// same scenario under the same name. Both traces are one event a line, each
// line starting with its actor; compare() checks each actor's lines in
// order (how two actors interleave is a race between sockets, not a
// contract). A difference not fixed yet is marked in the scenario:
//
//     t.known_diff("reason");           // every backend
//     t.known_diff("reason", "uring");  // one backend
//
// and the test then requires the traces to differ, so that the fix fails it
// until the marker goes (see /KNOWN_DIFFERENCES.md).
#pragma once

#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

namespace coronet::trace_diff {

struct recorder {
  std::vector<std::string> lines;
  struct known {
    std::string reason, backend;  // backend "" means every backend
  };
  std::vector<known> known_diffs;

  void operator()(std::string line) { lines.push_back(std::move(line)); }
  void known_diff(std::string reason, std::string backend = {}) {
    known_diffs.push_back({std::move(reason), std::move(backend)});
  }
};

using twin = void (*)(loop&, recorder&);
using server_ptr = std::shared_ptr<net::server>;

// Runs `name` under Node 26 (bounded to 10 s) and `fn` under coronet, and
// checks the traces as the header says.
void compare(const std::string& name, twin fn);

// The events scenarios.js's watch() logs by default.
using events_t = std::vector<std::string_view>;
inline const events_t socket_events = {"connect", "ready", "data",    "end",  "finish",
                                       "error",   "close", "timeout", "drain"};

// Logs `events` of `s` as "<who> <event>[ <argument>]", as watch() does.
void watch(net::socket& s, const std::string& who, recorder& t, const events_t& events = socket_events);

std::string code(const net::error_info* e);  // the error's code, or "ok"
net::error_info boom();                      // an error of our own: code EBOOM
std::string yes_no(bool b);                  // JS's true / false

// connect_options for 127.0.0.1:port.
net::connect_options at(int port);

// A loopback server: `on_conn` gets each connection (whose errors are not
// traced unless watched), `then(srv, port)` runs once it listens.
std::shared_ptr<net::server> serve(loop& l, std::function<void(net::socket&)> on_conn,
                                   std::function<void(std::shared_ptr<net::server>, int)> then,
                                   net::server_options options = {});

// Connects with `o` (a socket made with `so`), watches `events` as `who`, and closes `srv` once closed.
net::socket& client(loop& l, recorder& t, std::shared_ptr<net::server> srv, net::connect_options o,
                    const std::string& who = "client", const events_t& events = socket_events,
                    net::socket_options so = {});

// A port that refuses: listened on, then closed.
void refused_port(loop& l, std::function<void(int)> then);

// Runs `f`; logs "<who> no throw" or "<who> throws <code>".
void attempt(recorder& t, const std::string& who, const std::function<void()>& f);

// Calls `fn` on the loop after `d`.
void after(loop& l, std::chrono::milliseconds d, std::function<void()> fn);

// A path for a Unix socket of this process, gone first.
std::string ipc_path(const std::string& tag);

}  // namespace coronet::trace_diff

#define CORONET_TRACE_CAT2(a, b) a##b
#define CORONET_TRACE_CAT(a, b) CORONET_TRACE_CAT2(a, b)
#define CORONET_TRACE_SCENARIO(fn, name, title)                             \
  static void fn(::coronet::loop& l, ::coronet::trace_diff::recorder& t);   \
  TEST_CASE("trace: " title) { ::coronet::trace_diff::compare(name, &fn); } \
  static void fn([[maybe_unused]] ::coronet::loop& l, [[maybe_unused]] ::coronet::trace_diff::recorder& t)
#define TRACE_SCENARIO(name, title) CORONET_TRACE_SCENARIO(CORONET_TRACE_CAT(trace_twin_, __LINE__), name, title)
