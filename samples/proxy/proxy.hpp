// What proxy.cpp (the plain path and main) and tls_path.cpp share: the
// command line's options and one thread's worker.
#pragma once

#include <coronet/coronet.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <stop_token>
#include <string>
#include <thread>

struct options {
  coronet::endpoint listen, to;
  // --to's host and port as written: on the TLS path the host may be a name
  // (node:net looks it up) and is the name the upstream certificate must match.
  std::string to_host;
  int to_port = 0;
  int threads = 1;
  std::chrono::milliseconds connect_timeout{5000}, idle_timeout{0};  // 0: none
  // TLS: the listen side speaks it with this certificate and key; the
  // upstream side (--to-tls) is verified against `ca` (empty: the system store).
  std::string tls_cert, tls_key, ca;
  bool to_tls = false;
  bool tls() const noexcept { return !tls_cert.empty() || to_tls; }
  std::string to_text() const { return to.empty() ? to_host + ":" + std::to_string(to_port) : to.to_string(); }
};

// One thread's share of the proxy. The signal thread reaches it only via
// post(): it calls `stop` on the loop's thread, which closes the listener and
// ends every connection, so that run() returns.
struct worker {
  coronet::loop* l = nullptr;
  coronet::listener* server = nullptr;  // the plain path's
  std::function<void()> stop;
  std::stop_source shutdown;  // stops every connection of this loop
  std::thread thread;
};

// The TLS path (tls_path.cpp), on coronet's node:net and node:tls layer: as
// run_worker in proxy.cpp, it listens at `at`, reports the address it got
// through `ready` (or why not), then runs until `stop`.
void run_tls_worker(worker& w, coronet::endpoint at, bool reuse_port, const options& o,
                    std::promise<coronet::endpoint> ready);
