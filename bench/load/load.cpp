// load: coronet's own closed-loop load generator for echo servers (and
// proxies in front of them), written on the coroutine core so that it is a
// dogfood test too. It prints one line of key=value pairs, the same as
// bench/pingpong (the independent C client), and stops by itself after
// --warmup + -t seconds (or -n round trips).
//
// Modes (--mode):
//   pingpong  -c connections each send -s bytes and wait for all of them back
//             (content checked), then repeat: rps, p50/p99/p999 latency in µs.
//   connect   the same, but each round trip is on a new connection: connect,
//             one round trip, close. rps is connections per second.
//   bulk      each connection streams -s byte chunks while reading the echo:
//             gbps counts what came back (content checked). With --sink the
//             client counts what it wrote and discards what comes back, so
//             the server may echo or swallow.
//   idle      opens -c connections (one round trip each), prints an
//             "event=all_open" line (with the server's RSS) so a script can
//             measure the server, then holds them for -t seconds.
// --server-pid PID adds the server's CPU time (user+sys, /proc/PID/stat) over
// the measured interval: per round trip, per MiB in bulk, and as a percentage.
// --server-cpu N measures instead everything CPU N ran (/proc/stat), for a
// server pinned alone there that forks (socat).
//
//     ./load --port 7000 -c 50 -s 64 -t 3 --server-pid $(pgrep -n echo)
#include <coronet/coronet.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace coronet;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct config {
  std::string mode = "pingpong", host = "127.0.0.1", path;
  int port = 7000, conns = 50, server_pid = 0, server_cpu = -1;
  std::size_t size = 64;
  double secs = 3, warmup = 0.2;
  std::uint64_t max_round_trips = 0;  // 0: no limit
  bool sink = false;
};

// The server's CPU time in seconds (user + sys), or -1 when unknown.
double server_cpu_seconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  auto paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt: fields 3 to 13
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// Busy time of one CPU in seconds (everything that ran there, /proc/stat), for
// servers that fork (socat): pin the server alone on that CPU.
double cpu_busy_seconds(int cpu) {
  std::ifstream f("/proc/stat");
  std::string want = "cpu" + std::to_string(cpu) + " ";
  for (std::string line; std::getline(f, line);) {
    if (!line.starts_with(want)) continue;
    std::istringstream fields(line.substr(want.size()));
    long long user, nice, system, idle, iowait, irq, softirq, steal;
    if (!(fields >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) return -1;
    return double(user + nice + system + irq + softirq + steal) / double(sysconf(_SC_CLK_TCK));
  }
  return -1;
}

long server_rss_kb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

// Counters snapshot at the start and the end of the measured interval.
struct counters {
  std::uint64_t round_trips = 0, bytes = 0;
  double cpu = -1;
  clock_type::time_point at;
};

struct bench {
  bench(loop& lp, config c, endpoint to) : l(lp), cfg(std::move(c)), at(to), message(cfg.size) {
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = std::byte(i * 7 + 3);
    latency_ns.reserve(1 << 20);
  }

  loop& l;
  config cfg;
  endpoint at;
  std::stop_source stop;  // the end of the run: cancels everything pending
  std::vector<std::byte> message;
  counters now, begin, end;
  bool measuring = false, ended = false;
  std::uint64_t errors = 0, mismatches = 0;
  int open = 0;  // idle mode: connections that finished their round trip
  std::vector<std::uint32_t> latency_ns;

  double server_cpu() const {
    return cfg.server_cpu >= 0 ? cpu_busy_seconds(cfg.server_cpu) : server_cpu_seconds(cfg.server_pid);
  }
  void start_measuring() {
    begin = now;
    begin.cpu = server_cpu();
    begin.at = clock_type::now();
    measuring = true;
  }
  void finish() {
    if (ended) return;
    ended = true;
    measuring = false;
    end = now;
    end.cpu = server_cpu();
    end.at = clock_type::now();
    stop.request_stop();
  }
  // Errors caused by our own stop are not errors. Returns false for the caller.
  bool failed(std::error_code ec) {
    if (!stop.stop_requested() && ec != std::errc::operation_canceled) ++errors;
    return false;
  }
  // True when `chunk`, found at stream offset `offset`, matches the message.
  bool matches(std::span<const std::byte> chunk, std::size_t offset) const {
    while (!chunk.empty()) {
      std::size_t at = offset % message.size(), n = std::min(chunk.size(), message.size() - at);
      if (std::memcmp(chunk.data(), message.data() + at, n) != 0) return false;
      chunk = chunk.subspan(n);
      offset += n;
    }
    return true;
  }
};

// Connects; on failure counts an error and pauses a little, so a server that
// is down does not make us spin. An unopened socket means "try again".
task<stream_socket> open(bench& b) {
  auto token = b.stop.get_token();
  auto r = co_await connect(b.l, b.at, token);
  if (r.ec) {
    b.failed(r.ec);
    co_await sleep_for(b.l, 10ms, token);
    co_return stream_socket{};
  }
  r->set_no_delay(true);  // fails harmlessly on Unix sockets
  co_return std::move(r.value);
}

// Sends the message and waits for all of it back.
task<bool> round_trip(bench& b, stream_socket& s) {
  auto token = b.stop.get_token();
  if (auto w = co_await s.write_all(b.message, token); w.ec) co_return b.failed(w.ec);
  std::size_t got = 0;
  while (got < b.message.size()) {
    auto r = co_await s.receive(token);
    if (r.ec || r->empty()) co_return b.failed(r.ec ? r.ec : errno_code(ECONNRESET));  // EOF: the server quit
    if (got + r->size() > b.message.size() || !b.matches(r->bytes(), got)) ++b.mismatches;
    got += r->size();
  }
  ++b.now.round_trips;
  if (b.cfg.max_round_trips && b.measuring && b.now.round_trips - b.begin.round_trips >= b.cfg.max_round_trips)
    b.finish();
  co_return true;
}

// pingpong and connect modes.
task<void> pinger(bench& b) {
  bool reconnect_each_time = b.cfg.mode == "connect";
  while (!b.stop.stop_requested()) {
    auto t0 = clock_type::now();  // connect mode: the connect counts in the latency
    stream_socket s = co_await open(b);
    while (s.is_open() && co_await round_trip(b, s)) {
      auto t1 = clock_type::now();
      if (b.measuring) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        b.latency_ns.push_back(std::uint32_t(std::min<std::int64_t>(ns, UINT32_MAX)));
      }
      t0 = t1;
      if (reconnect_each_time) break;
    }
  }
}

// bulk mode: one writer and one reader share the socket; whichever ends last closes it.
task<void> bulk_writer(bench& b, std::shared_ptr<stream_socket> s) {
  auto token = b.stop.get_token();
  for (;;) {
    auto w = co_await s->write_all(b.message, token);
    if (w.ec) {
      b.failed(w.ec);
      co_return;
    }
    if (b.cfg.sink) b.now.bytes += w.value;
  }
}

task<void> bulk_reader(bench& b, std::shared_ptr<stream_socket> s) {
  auto token = b.stop.get_token();
  for (std::size_t offset = 0;;) {
    auto r = co_await s->receive(token);
    if (r.ec || r->empty()) {
      b.failed(r.ec ? r.ec : errno_code(ECONNRESET));
      co_return;
    }
    if (b.cfg.sink) continue;  // the server may echo; we only count what we wrote
    if (!b.matches(r->bytes(), offset)) ++b.mismatches;
    offset += r->size();
    b.now.bytes += r->size();
  }
}

task<void> bulk(bench& b) {
  stream_socket s;
  while (!s.is_open() && !b.stop.stop_requested()) s = co_await open(b);
  auto shared = std::make_shared<stream_socket>(std::move(s));
  spawn(b.l, bulk_writer(b, shared));
  co_await bulk_reader(b, shared);
}

// idle mode: open, prove it with one round trip, then hold until the end.
task<void> idler(bench& b) {
  stream_socket s;
  for (;;) {
    if (b.stop.stop_requested()) co_return;
    s = co_await open(b);
    if (s.is_open() && co_await round_trip(b, s)) break;
  }
  ++b.open;
  auto r = co_await s.receive(b.stop.get_token());  // nothing should arrive
  if (!r.ec) ++b.errors;                            // the server sent data, or closed on us
}

// Measures: warm-up, then the interval (idle mode: from when all are open).
task<void> timekeeper(bench& b) {
  auto token = b.stop.get_token();
  auto secs = [](double s) { return std::chrono::nanoseconds(std::int64_t(s * 1e9)); };
  if (b.cfg.mode == "idle") {
    auto give_up = clock_type::now() + 30s;
    while (b.open < b.cfg.conns && clock_type::now() < give_up && !token.stop_requested())
      co_await sleep_for(b.l, 5ms, token);
    long rss = b.cfg.server_pid ? server_rss_kb(b.cfg.server_pid) : -1;
    std::printf("event=all_open conns=%d open=%d server_rss_kb=%ld\n", b.cfg.conns, b.open, rss);
    std::fflush(stdout);
  } else {
    co_await sleep_for(b.l, secs(b.cfg.warmup), token);
  }
  b.start_measuring();
  co_await sleep_for(b.l, secs(b.cfg.secs), token);
  b.finish();
}

double percentile_us(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = std::min(v.size() - 1, std::size_t(double(v.size()) * p));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k] / 1e3;
}

void report(bench& b) {
  const auto& c = b.cfg;
  double secs = std::chrono::duration<double>(b.end.at - b.begin.at).count();
  double cpu = (b.end.cpu >= 0 && b.begin.cpu >= 0) ? b.end.cpu - b.begin.cpu : -1;
  auto rts = double(b.end.round_trips - b.begin.round_trips);
  auto bytes = double(b.end.bytes - b.begin.bytes);
  std::printf("mode=%s backend=%s conns=%d size=%zu secs=%.2f ", c.mode.c_str(),
              std::string(to_string(b.l.backend())).c_str(), c.conns, c.size, secs);
  if (c.mode == "bulk") {
    std::printf("gbps=%.3f server_cpu_us_per_mib=%.3f ", bytes * 8 / secs / 1e9,
                cpu >= 0 && bytes > 0 ? cpu * 1e6 / (bytes / (1 << 20)) : -1);
  } else if (c.mode == "idle") {
    std::printf("open=%d server_rss_kb=%ld ", b.open, c.server_pid ? server_rss_kb(c.server_pid) : -1);
  } else {
    double p50 = percentile_us(b.latency_ns, 0.5), p99 = percentile_us(b.latency_ns, 0.99);
    double p999 = percentile_us(b.latency_ns, 0.999);
    std::printf("rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f server_cpu_us_per_rt=%.3f ", rts / secs, p50, p99, p999,
                cpu >= 0 && rts > 0 ? cpu * 1e6 / rts : -1);
  }
  std::printf("server_cpu_pct=%.1f errors=%llu mismatches=%llu\n", cpu >= 0 ? cpu * 100 / secs : -1,
              (unsigned long long)b.errors, (unsigned long long)b.mismatches);
}

int usage() {
  std::fprintf(stderr,
               "usage: load [--mode pingpong|connect|bulk|idle] [--host IP] [--port P] [--path UNIX_PATH]\n"
               "            [-c conns] [-s size] [-t seconds] [--warmup seconds] [-n round_trips]\n"
               "            [--server-pid PID] [--server-cpu N] [--sink]\n");
  return 2;
}

int main(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    std::string_view f = argv[i];
    if (f == "--sink") {
      c.sink = true;
      continue;
    }
    if (i + 1 == argc) return usage();
    const char* v = argv[++i];
    if (f == "--mode")
      c.mode = v;
    else if (f == "--host")
      c.host = v;
    else if (f == "--port")
      c.port = std::atoi(v);
    else if (f == "--path")
      c.path = v;
    else if (f == "-c")
      c.conns = std::atoi(v);
    else if (f == "-s")
      c.size = std::strtoul(v, nullptr, 10);
    else if (f == "-t")
      c.secs = std::atof(v);
    else if (f == "--warmup")
      c.warmup = std::atof(v);
    else if (f == "-n")
      c.max_round_trips = std::strtoull(v, nullptr, 10);
    else if (f == "--server-pid")
      c.server_pid = std::atoi(v);
    else if (f == "--server-cpu")
      c.server_cpu = std::atoi(v);
    else
      return usage();
  }
  bool known = c.mode == "pingpong" || c.mode == "connect" || c.mode == "bulk" || c.mode == "idle";
  if (!known || c.conns < 1 || c.size < 1 || c.secs <= 0) return usage();
  // A round trip writes everything before reading: past what the socket
  // buffers hold, client and server would both wait on a full buffer.
  if (c.mode != "bulk" && c.size > 64 * 1024)
    return std::fprintf(stderr, "load: -s above 65536 needs --mode bulk\n"), 2;
  auto at = c.path.empty() ? endpoint::ip(c.host, std::uint16_t(c.port)) : endpoint::unix_path(c.path);
  if (!at) return std::fprintf(stderr, "load: bad address: %s\n", at.ec.message().c_str()), 2;

  loop l;
  bench b(l, c, *at);
  for (int i = 0; i < c.conns; ++i) {
    if (c.mode == "bulk")
      spawn(l, bulk(b));
    else if (c.mode == "idle")
      spawn(l, idler(b));
    else
      spawn(l, pinger(b));
  }
  spawn(l, timekeeper(b));
  l.run();  // everything ends once finish() has requested the stop
  report(b);
  bool nothing = b.end.round_trips == b.begin.round_trips && b.end.bytes == b.begin.bytes && c.mode != "idle";
  return b.mismatches ? 3 : nothing ? 1 : 0;  // 1: nothing got through (server down?)
}
