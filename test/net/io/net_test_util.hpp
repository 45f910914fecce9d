// Helpers for the node:net tests: a loop per test, a server on a free
// loopback port, and a run() that fails the test instead of hanging.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/spawn.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace coronet::test {

// Runs the loop to completion, failing the test (and stopping) after `limit`.
inline void run_bounded(loop& l, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  bool timed_out = false;
  deadline guard(l, [&] {
    timed_out = true;
    l.stop();
  });
  guard.expires_after(limit);
  l.run();
  CHECK_MESSAGE(!timed_out, "the loop did not finish in time");
}

// The port a listening server got.
inline int port_of(const net::server& s) {
  auto a = s.address();
  auto* info = std::get_if<net::address_info>(&a);
  REQUIRE(info != nullptr);
  return info->port;
}

// A server on a free 127.0.0.1 port; `ready` gets the port once it listens.
inline std::shared_ptr<net::server> serve(loop& l, net::server_options o, std::function<void(net::socket&)> handler,
                                          std::function<void(int)> ready) {
  auto srv = net::create_server(l, o, std::move(handler));
  srv->listen(0, "127.0.0.1", 511, [srv, ready = std::move(ready)] { ready(port_of(*srv)); });
  return srv;
}

// Joined with " | ", so that a failed check prints both sequences.
inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : " | ") + line;
  return out;
}

// Records event names in order.
struct event_log {
  std::vector<std::string> events;
  void operator()(std::string e) { events.push_back(std::move(e)); }
};

}  // namespace coronet::test
