// proxy: a TCP and Unix socket proxy on coronet's coroutine core.
//
// Shows: connect with a timeout (a deadline firing a stop_token), then two
// copy loops awaited together with when_all, each reading a chunk and writing
// it out before it reads the next (so a slow reader slows the writer down
// instead of making the proxy buffer without bound); half-close passed
// through; one side's error ending the other; an idle timeout; one loop per thread with reuse_port; and
// a clean stop on SIGINT/SIGTERM. Try it:
//     ./echo --port 7000
//     ./proxy --listen 8000 --to 127.0.0.1:7000      then   nc 127.0.0.1 8000
//     ./proxy --listen unix:/tmp/p.sock --to 127.0.0.1:7000   then   nc -U /tmp/p.sock
// HOST is an IP literal (the core does no name lookup); PORT 0 picks a free port.
//
// With TLS on either side (--tls-cert/--tls-key: clients speak TLS to us;
// --to-tls [--ca FILE]: we speak TLS to the upstream) the connections go
// through tls_path.cpp instead, on coronet's node:tls layer (where --to's HOST
// may also be a name, looked up by node:net, and is what the upstream's
// certificate must match):
//     ./proxy --listen 8443 --tls-cert server.crt --tls-key server.key --to 127.0.0.1:7000
//     openssl s_client -connect 127.0.0.1:8443 -quiet
#include "proxy.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

using namespace coronet;
using std::chrono::milliseconds;

// A stop_callback that forwards a stop request to another stop_source.
struct forward_stop {
  std::stop_source* to;
  void operator()() const noexcept { to->request_stop(); }
};

// Connects, giving up with ETIMEDOUT after `timeout` or ECANCELED on shutdown.
task<result<stream_socket>> connect_within(loop& l, endpoint to, milliseconds timeout, std::stop_token shutdown) {
  std::stop_source give_up;
  std::stop_callback on_shutdown(shutdown, forward_stop{&give_up});
  deadline timer(l, forward_stop{&give_up});
  if (timeout.count() > 0) timer.expires_after(timeout);
  auto r = co_await connect(l, to, give_up.get_token());
  if (r.ec == std::errc::operation_canceled && !shutdown.stop_requested()) r.ec = errno_code(ETIMEDOUT);
  co_return r;
}

// Both sockets of a proxied connection, and what stops both directions. It
// lives in proxy()'s frame until both directions have ended, then closes both
// sockets.
// TRICKY: `stop` is requested from callbacks the session owns (shutdown, idle
// timer). That is safe because a cancelled operation resumes its coroutine in
// a later step of the loop, never inside request_stop().
struct session {
  session(loop& l, stream_socket c, stream_socket u, std::stop_token shutdown, milliseconds idle)
      : client(std::move(c)),
        upstream(std::move(u)),
        on_shutdown(shutdown, forward_stop{&stop}),
        idle_timer(l, forward_stop{&stop}),
        idle_timeout(idle) {
    touch();
  }
  // Pushes the idle timeout back: stores a time point, no system call.
  void touch() noexcept {
    if (idle_timeout.count() > 0) idle_timer.expires_after(idle_timeout);
  }

  stream_socket client, upstream;
  std::stop_source stop;  // cancels whatever both directions are waiting for
  std::stop_callback<forward_stop> on_shutdown;
  deadline idle_timer;
  milliseconds idle_timeout;
};

// Copies `from` to `to` until the end of `from` (passed on as a FIN, and the
// other direction goes on), an error or a stop (which ends both directions).
task<void> pump(session& s, stream_socket& from, stream_socket& to) {
  auto token = s.stop.get_token();
  for (;;) {
    auto [ec, chunk] = co_await from.receive(token);
    if (ec) break;
    if (chunk.empty()) {  // the peer ended its side: half-close the other
      if (to.shutdown()) break;
      co_return;
    }
    s.touch();
    // The next receive() waits until this chunk is written: that is the backpressure.
    if ((co_await to.write_all(chunk.bytes(), token)).ec) break;
  }
  s.stop.request_stop();
}

task<void> proxy(worker& w, stream_socket client, const options& o) {
  auto up = co_await connect_within(*w.l, o.to, o.connect_timeout, w.shutdown.get_token());
  if (up.ec) {
    if (up.ec != std::errc::operation_canceled)
      std::fprintf(stderr, "proxy: connect %s: %s\n", o.to.to_string().c_str(), error_name(up.ec).c_str());
    co_return;  // closing the client tells it
  }
  client.set_no_delay(true);  // forward small chunks at once (fails harmlessly on Unix sockets)
  up->set_no_delay(true);
  session s(*w.l, std::move(client), std::move(*up), w.shutdown.get_token(), o.idle_timeout);
  // The two directions run together; the session ends when both have.
  co_await when_all(pump(s, s.client, s.upstream), pump(s, s.upstream, s.client));
}

task<void> serve(worker& w, const options& o) {
  for (;;) {
    auto [ec, client] = co_await w.server->accept();
    if (ec == std::errc::operation_canceled || ec == std::errc::bad_file_descriptor) co_return;  // stopping
    if (ec) {  // EMFILE and the like: the connection waits in the backlog; pause rather than spin
      co_await sleep_for(*w.l, milliseconds(100), w.shutdown.get_token());
      continue;
    }
    spawn(*w.l, proxy(w, std::move(client), o));
  }
}

// A thread's loop: listens (with reuse_port when there are several), reports
// the address it got through `ready`, then runs until the shutdown post.
void run_worker(worker& w, endpoint at, bool reuse_port, const options& o, std::promise<endpoint> ready) {
  std::optional<loop> l;
  try {
    l.emplace();
  } catch (...) {
    return ready.set_exception(std::current_exception());
  }
  auto listening = listener::listen(*l, at, {.reuse_port = reuse_port});
  if (!listening)
    return ready.set_exception(std::make_exception_ptr(std::system_error(listening.ec, "listen " + at.to_string())));
  listener server = std::move(listening.value);
  w.l = &*l;
  w.server = &server;
  w.stop = [&w] { w.server->close(), w.shutdown.request_stop(); };
  ready.set_value(*server.local_endpoint());
  spawn(*l, serve(w, o));
  l->run();  // returns once the listener is closed and every connection ended
}

// "HOST:PORT", "[V6]:PORT", or (when `port_only_ok`) "PORT" into host
// (127.0.0.1 when absent) and port; false when it is none of those.
bool split_host_port(std::string_view s, bool port_only_ok, std::string& host, int& port) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos && !port_only_ok) return false;
  host = colon == std::string_view::npos ? "127.0.0.1" : std::string(s.substr(0, colon));
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string digits(colon == std::string_view::npos ? s : s.substr(colon + 1));
  char* end = nullptr;
  long p = std::strtol(digits.c_str(), &end, 10);
  if (host.empty() || digits.empty() || *end || p < 0 || p > 65535) return false;
  port = static_cast<int>(p);
  return true;
}

// "unix:PATH", "HOST:PORT", "[V6]:PORT", or (when `port_only_ok`) "PORT".
result<endpoint> parse_address(std::string_view s, bool port_only_ok) {
  if (s.starts_with("unix:")) return endpoint::unix_path(s.substr(5));
  std::string host;
  int port = 0;
  if (!split_host_port(s, port_only_ok, host, port)) return {errno_code(EINVAL), {}};
  return endpoint::ip(host, static_cast<std::uint16_t>(port));
}

int usage() {
  std::fprintf(stderr,
               "usage: proxy --listen [HOST:]PORT|unix:PATH --to HOST:PORT|unix:PATH\n"
               "             [--threads N] [--connect-timeout MS] [--idle-timeout MS (0: none)]\n"
               "             [--tls-cert FILE --tls-key FILE] [--to-tls [--ca FILE]]\n");
  return 2;
}

int main(int argc, char** argv) {
  options o;
  bool have_listen = false, have_to = false;
  std::string_view to_text;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--to-tls") {  // the one flag without a value
      o.to_tls = true;
      continue;
    }
    if (i + 1 == argc) return usage();
    std::string_view value = argv[++i];
    if (flag == "--listen") {
      auto at = parse_address(value, true);
      if (!at) return std::fprintf(stderr, "proxy: bad address '%s'\n", argv[i]), 2;
      o.listen = *at, have_listen = true;
    } else if (flag == "--to")
      to_text = value, have_to = true;
    else if (flag == "--threads")
      o.threads = std::atoi(argv[i]);
    else if (flag == "--connect-timeout")
      o.connect_timeout = milliseconds(std::atol(argv[i]));
    else if (flag == "--idle-timeout")
      o.idle_timeout = milliseconds(std::atol(argv[i]));
    else if (flag == "--tls-cert")
      o.tls_cert = value;
    else if (flag == "--tls-key")
      o.tls_key = value;
    else if (flag == "--ca")
      o.ca = value;
    else
      return usage();
  }
  if (!have_listen || !have_to || o.threads < 1) return usage();
  if (o.tls_cert.empty() != o.tls_key.empty())
    return std::fprintf(stderr, "proxy: --tls-cert and --tls-key go together\n"), 2;
  if (!o.ca.empty() && !o.to_tls) return std::fprintf(stderr, "proxy: --ca is for --to-tls\n"), 2;
  // --to: an endpoint, or on the TLS path a host name as well (node:net looks it up).
  if (auto at = parse_address(to_text, false)) {
    o.to = *at;
    if (o.to.is_ip()) o.to_host = o.to.address(), o.to_port = o.to.port();
  } else if (!o.tls() || to_text.starts_with("unix:") || !split_host_port(to_text, false, o.to_host, o.to_port)) {
    return std::fprintf(stderr, "proxy: bad address '%.*s'\n", static_cast<int>(to_text.size()), to_text.data()), 2;
  }
  // Several listeners share one TCP port through SO_REUSEPORT; a Unix path has no such sharing.
  if (o.listen.is_unix() && o.threads > 1)
    return std::fprintf(stderr, "proxy: --threads > 1 needs a TCP --listen (a Unix socket path cannot be shared)\n"), 2;

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Start the loops one by one: the first may pick the port (PORT 0), the rest share it.
  std::vector<worker> workers(static_cast<std::size_t>(o.threads));
  endpoint at = o.listen;
  int status = 0;
  for (auto& w : workers) {
    std::promise<endpoint> ready;
    auto bound = ready.get_future();
    w.thread = std::thread(o.tls() ? run_tls_worker : run_worker, std::ref(w), at, o.threads > 1, std::cref(o),
                           std::move(ready));
    try {
      at = bound.get();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "proxy: %s\n", e.what());
      status = 1;
      break;
    }
  }
  if (status == 0) {
    std::printf("proxy listening on %s%s, forwarding to %s%s (%d thread%s, %s backend)\n", at.to_string().c_str(),
                o.tls_cert.empty() ? "" : " (TLS)", o.to_text().c_str(), o.to_tls ? " (TLS)" : "", o.threads,
                o.threads > 1 ? "s" : "", std::string(to_string(workers[0].l->backend())).c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
  }
  // Each loop closes its listener and cancels its connections, then run() returns.
  for (auto& w : workers)
    if (w.l) w.l->post([&w] { w.stop(); });
  for (auto& w : workers)
    if (w.thread.joinable()) w.thread.join();
  if (status == 0 && o.listen.is_unix() && !o.listen.is_abstract()) ::unlink(o.listen.address().c_str());
  std::printf("proxy stopped\n");
  return status;
}
