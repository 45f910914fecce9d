// soak_client: a bounded load on an echo server (or a proxy in front of one)
// over loopback. Worker threads open --connections connections in all, at
// most --concurrency at a time; each connection follows a plan drawn from
// --seed and its index, so a failing plan can be replayed (timing aside):
//
//   clean        random size, random chunks and pauses, reading as it writes,
//                then FIN; every byte must come back, then EOF.
//   fin_blocked  a small receive buffer, and more than tcp_wmem's maximum
//                sent without reading, so the server's write is blocked when
//                the FIN arrives (checked, and counted); then as clean.
//   empty        FIN with no data; EOF must follow.
//   rst_mid      RST (SO_LINGER 0) after a random part of the data.
//   rst_after_fin FIN, then RST before the echo is all read.
//
// Bytes are checked only for connections meant to end cleanly. Prints the
// seed, then one line per plan kind; exits 1 if any clean-ending connection
// lost, changed or reordered a byte, failed, or stalled for 10 s, or if any
// connection at all got a wrong byte back.
//
//   soak_client --port P [--host 127.0.0.1] [--connections 300]
//               [--concurrency 32] [--seed S] [--max-size BYTES] [--skip KIND]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

enum kind : int { clean, fin_blocked, empty, rst_mid, rst_after_fin, kind_count };
constexpr std::array<const char*, kind_count> kind_names = {"clean", "fin_blocked", "empty", "rst_mid",
                                                            "rst_after_fin"};

bool ends_cleanly(kind k) { return k == clean || k == fin_blocked || k == empty; }

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 300;
  int concurrency = 32;
  std::uint64_t seed = 0;
  std::size_t max_size = 1 << 20;
  std::size_t wmem_max = 4 << 20;  // from /proc/sys/net/ipv4/tcp_wmem
  std::array<bool, kind_count> skip{};
};

struct plan {
  kind k = clean;
  std::size_t size = 0;
  std::size_t chunk_max = 1;
  int pause_percent = 0;  // chance of a pause after a chunk
  int pause_ms_max = 0;
  std::size_t rst_at = 0;  // rst_mid: bytes sent before the RST
  int before_fin_ms = 0;   // fin_blocked: reads paused this long, then FIN,
  int after_fin_ms = 0;    // then this long more
  bool small_rcvbuf = false;
};

// Sizes spread over orders of magnitude: most connections small, some large.
plan make_plan(const options& o, std::mt19937_64& rng) {
  plan p;
  std::array<int, kind_count> weight = {50, 6, 10, 20, 14};
  for (int k = 0; k < kind_count; ++k)
    if (o.skip[static_cast<std::size_t>(k)]) weight[static_cast<std::size_t>(k)] = 0;
  std::discrete_distribution<int> pick(weight.begin(), weight.end());
  p.k = static_cast<kind>(pick(rng));
  const double exponent = std::uniform_real_distribution<double>(0, std::log2(static_cast<double>(o.max_size)))(rng);
  p.size = p.k == empty ? 0 : static_cast<std::size_t>(std::exp2(exponent));
  // On loopback the echo's send buffer grows to tcp_wmem's maximum (4 MB by
  // default); only more than that blocks its write while we do not read.
  if (p.k == fin_blocked) p.size = o.wmem_max + (std::size_t{256} << 10) + p.size * 3;
  // At most about 128 chunks, so tiny chunks and pauses stay bounded in time.
  p.chunk_max = std::max(std::size_t{1} << std::uniform_int_distribution<int>(0, 17)(rng), p.size / 128);
  p.pause_percent = std::uniform_int_distribution<int>(0, 20)(rng);
  p.pause_ms_max = std::uniform_int_distribution<int>(0, 20)(rng);
  p.rst_at = p.size == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, p.size)(rng);
  p.before_fin_ms = std::uniform_int_distribution<int>(0, 30)(rng);
  p.after_fin_ms = std::uniform_int_distribution<int>(0, 30)(rng);
  p.small_rcvbuf = p.k == fin_blocked || std::uniform_int_distribution<int>(0, 3)(rng) == 0;
  return p;
}

// One connection's run. `error` is empty when it ended as its plan meant.
struct connection {
  const options& o;
  const plan& p;
  std::mt19937_64 rng;
  std::vector<char> sent;
  std::size_t written = 0;
  std::size_t received = 0;
  bool eof = false;
  int fd = -1;
  std::string error;
  bool corrupt = false;         // a byte came back wrong: a failure whatever the plan
  bool blocked_at_fin = false;  // fin_blocked: the server's write was surely blocked
  clock_type::time_point last_progress = clock_type::now();

  connection(const options& opts, const plan& pl, std::uint64_t seed) : o(opts), p(pl), rng(seed) {}
  ~connection() {
    if (fd >= 0) ::close(fd);
  }

  bool fail(std::string what) {
    if (error.empty())
      error = std::move(what) + " (" + std::to_string(written) + " written, " + std::to_string(received) +
              " received of " + std::to_string(p.size) + ")";
    return false;
  }

  bool open() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
    if (p.small_rcvbuf) {
      int size = 4096;  // the kernel doubles it; still far below the echo's chunks
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(o.port));
    ::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS)
      return fail(std::string("connect: ") + std::strerror(errno));
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, 5000) != 1) return fail("connect timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
    sent.resize(p.size);
    for (auto& c : sent) c = static_cast<char>(rng());
    return true;
  }

  // Reads what is there; checks it against what was sent.
  bool read_some() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        eof = true;
        return true;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        return fail(std::string("recv: ") + std::strerror(errno));
      }
      const auto got = static_cast<std::size_t>(n);
      if (received + got > written || std::memcmp(buf, sent.data() + received, got) != 0) {
        corrupt = true;
        return fail(received + got > written ? "more bytes came back than were sent" : "a byte came back changed");
      }
      received += got;
      last_progress = clock_type::now();
    }
  }

  // Waits up to `ms` for the socket, reading if `reading`; false on failure.
  bool wait(bool want_write, bool reading, int ms) {
    if (clock_type::now() - last_progress > std::chrono::seconds(10)) return fail("stalled for 10 s");
    pollfd pfd{fd, static_cast<short>((want_write ? POLLOUT : 0) | (reading ? POLLIN : 0)), 0};
    if (::poll(&pfd, 1, ms) < 0 && errno != EINTR) return fail("poll");
    if (reading && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) return read_some();
    return true;
  }

  // Sends the first `limit` bytes in random chunks with random pauses,
  // reading meanwhile unless `reading` is false (then only when stuck, so
  // the two sides cannot deadlock on full buffers).
  bool send_until(std::size_t limit, bool reading) {
    while (written < limit) {
      const std::size_t chunk =
          std::min(limit - written, std::uniform_int_distribution<std::size_t>(1, p.chunk_max)(rng));
      const ssize_t n = ::send(fd, sent.data() + written, chunk, MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
        last_progress = clock_type::now();
        if (std::uniform_int_distribution<int>(0, 99)(rng) < p.pause_percent &&
            !wait(false, reading, std::uniform_int_distribution<int>(0, p.pause_ms_max)(rng)))
          return false;
        if (reading && !read_some()) return false;
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return fail(std::string("send: ") + std::strerror(errno));
      // Full: wait for room; when not reading, read only if still stuck.
      pollfd pfd{fd, POLLOUT, 0};
      if (!reading && ::poll(&pfd, 1, 5) == 1) continue;
      if (!wait(true, true, 100)) return false;
    }
    return true;
  }

  bool read_to_eof() {
    while (!eof)
      if (!wait(false, true, 100)) return false;
    if (received != p.size) return fail("EOF before every byte came back");
    return true;
  }

  // What the kernel holds for us to read: the rest of the echo not yet read
  // is in the server's buffers (or in its hands).
  std::size_t queued_to_read() const {
    int n = 0;
    ::ioctl(fd, FIONREAD, &n);
    return static_cast<std::size_t>(n);
  }

  void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  void reset() {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
    fd = -1;
  }

  bool run() {
    if (!open()) return false;
    switch (p.k) {
      case clean:
      case empty:
        if (!send_until(p.size, true)) return false;
        ::shutdown(fd, SHUT_WR);
        return read_to_eof();
      case fin_blocked:
        if (!send_until(p.size, false)) return false;
        // Not reading: the echo fills our small buffer and its write blocks.
        pause_ms(p.before_fin_ms);
        blocked_at_fin = written - received - queued_to_read() > o.wmem_max;
        ::shutdown(fd, SHUT_WR);
        pause_ms(p.after_fin_ms);
        return read_to_eof();
      case rst_mid:
        if (!send_until(p.rst_at, true)) return false;
        reset();
        return true;
      case rst_after_fin:
        if (!send_until(p.size, true)) return false;
        ::shutdown(fd, SHUT_WR);
        pause_ms(p.pause_ms_max);
        reset();
        return true;
      case kind_count:
        break;
    }
    return true;
  }
};

struct tally {
  std::mutex m;
  std::array<int, kind_count> ok{}, failed{}, corrupt{}, blocked_at_fin{};
  std::array<std::uint64_t, kind_count> bytes{};
  int printed_failures = 0;
};

int usage() {
  std::fprintf(stderr,
               "usage: soak_client --port P [--host IPV4] [--connections N] [--concurrency N] [--seed S]\n"
               "                   [--max-size BYTES] [--skip clean|fin_blocked|empty|rst_mid|rst_after_fin]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.seed = static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--host")
      o.host = value;
    else if (flag == "--port")
      o.port = std::atoi(value);
    else if (flag == "--connections")
      o.connections = std::atoi(value);
    else if (flag == "--concurrency")
      o.concurrency = std::atoi(value);
    else if (flag == "--seed")
      o.seed = std::strtoull(value, nullptr, 10);
    else if (flag == "--max-size")
      o.max_size = std::strtoull(value, nullptr, 10);
    else if (flag == "--skip") {
      const auto* it = std::find_if(kind_names.begin(), kind_names.end(),
                                    [&](const char* n) { return std::string_view(value) == n; });
      if (it == kind_names.end()) return usage();
      o.skip[static_cast<std::size_t>(it - kind_names.begin())] = true;
    } else
      return usage();
  }
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/tcp_wmem", "r")) {
    unsigned long long lo = 0, def = 0, hi = 0;
    if (std::fscanf(f, "%llu %llu %llu", &lo, &def, &hi) == 3) o.wmem_max = hi;
    std::fclose(f);
  }
  if (argc % 2 == 0 || o.port <= 0 || o.connections < 0 || o.concurrency <= 0 || o.max_size < 2) return usage();
  std::printf("soak_client: seed %llu, %d connections, %d at a time, to %s:%d\n",
              static_cast<unsigned long long>(o.seed), o.connections, o.concurrency, o.host.c_str(), o.port);
  std::fflush(stdout);

  tally t;
  std::atomic<int> next{0};
  const auto start = clock_type::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < o.concurrency; ++w) {
    workers.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < o.connections;) {
        // Each connection's plan and bytes depend only on the seed and i.
        std::mt19937_64 rng(o.seed * 1000003u + static_cast<std::uint64_t>(i));
        const plan p = make_plan(o, rng);
        connection c(o, p, rng());
        const bool ok = c.run();
        const auto k = static_cast<std::size_t>(p.k);
        std::lock_guard lock(t.m);
        t.bytes[k] += c.received;
        t.blocked_at_fin[k] += c.blocked_at_fin;
        if (ok) {
          ++t.ok[k];
          continue;
        }
        ++t.failed[k];
        if (c.corrupt) ++t.corrupt[k];
        if (t.printed_failures++ < 20)
          std::printf("FAIL connection %d (%s, size %zu, chunks up to %zu, rcvbuf %s, fin after %d+%d ms): %s\n", i,
                      kind_names[k], p.size, p.chunk_max, p.small_rcvbuf ? "small" : "default", p.before_fin_ms,
                      p.after_fin_ms, c.error.c_str());
      }
    });
  }
  for (auto& w : workers) w.join();

  int bad = 0;
  for (std::size_t k = 0; k < kind_count; ++k) {
    std::printf("  %-13s %4d ok %4d failed %10llu bytes echoed%s\n", kind_names[k], t.ok[k], t.failed[k],
                static_cast<unsigned long long>(t.bytes[k]),
                ends_cleanly(static_cast<kind>(k)) ? "" : " (not checked)");
    if (ends_cleanly(static_cast<kind>(k))) bad += t.failed[k];
  }
  std::printf("  fin_blocked: the server's write was blocked at the FIN on %d of %d\n", t.blocked_at_fin[fin_blocked],
              t.ok[fin_blocked] + t.failed[fin_blocked]);
  for (std::size_t k = 0; k < kind_count; ++k) {
    if (!ends_cleanly(static_cast<kind>(k))) bad += t.corrupt[k];
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  std::printf("soak_client: %d connections in %.1f s, %d failed (seed %llu)\n", o.connections, secs, bad,
              static_cast<unsigned long long>(o.seed));
  return bad == 0 ? 0 : 1;
}
