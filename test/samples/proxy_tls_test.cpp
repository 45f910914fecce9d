// samples/proxy with TLS on either side, run as a program (CORONET_PROXY) in
// front of echo servers of this process: TLS client -> plain upstream, plain
// client -> TLS upstream (verified with --ca), TLS -> TLS, each with 4 MiB
// each way checked byte for byte and the client's end carried to the
// upstream and back; a plaintext client of the TLS side, and an upstream
// whose certificate does not verify, close that client while the proxy
// serves the next one; a client that does not read stalls the chain, the
// proxy's memory bounded; the timeouts count from a client's arrival even
// after a long idle spell. The certificates are make_certs.sh's
// (CORONET_PROXY_CERTS); the proxy runs on this test's backend (it inherits
// CORONET_BACKEND).
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../net/io/net_test_util.hpp"

extern char** environ;

using namespace coronet;
using namespace std::chrono_literals;

namespace {

std::string cert(const char* name) { return std::string(CORONET_PROXY_CERTS) + "/" + name; }

// Byte i of the stream each client sends (and expects back).
char pattern(std::uint64_t i) { return static_cast<char>((i * 31 + i / 7919) % 251); }

constexpr std::uint64_t bulk = 4u << 20;
// Far more than the kernel's buffers along the chain take from a client that
// does not read (18 to 39 MB here, with tcp_rmem's 32 MB maximum).
constexpr std::uint64_t bulk_stall_limit = 256u << 20;
// What the proxy's memory may grow by meanwhile: a few high-water marks and
// OpenSSL's buffers (under 1 MB measured), or ASan's quarantine of freed
// blocks (4 to 9 MB measured). Without backpressure it would be the 200 MB
// and more that the kernel did not hold.
#if defined(__SANITIZE_ADDRESS__)
constexpr long rss_growth_limit_kib = 48 * 1024;
#else
constexpr long rss_growth_limit_kib = 16 * 1024;
#endif

// The proxy program: started with its flags, its address read from the line
// it prints, its stderr kept in a file, stopped with SIGTERM.
class proxy_process {
 public:
  explicit proxy_process(std::vector<std::string> flags) {
    char dir_template[] = "/tmp/coronet-proxy-tls.XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    dir_ = dir_template;
    err_path_ = dir_ + "/stderr";
    std::vector<std::string> all{CORONET_PROXY, "--listen", "127.0.0.1:0"};
    all.insert(all.end(), flags.begin(), flags.end());
    int out[2];
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, all[0].c_str(), &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    out_ = out[0];
    // "proxy listening on 127.0.0.1:PORT (TLS), forwarding to ..."
    const std::string line = read_line(5s);
    const auto at = line.find("listening on 127.0.0.1:");
    REQUIRE_MESSAGE(at != std::string::npos, "the proxy did not start: '" << line << "' " << errors());
    port = std::atoi(line.c_str() + at + std::string_view("listening on 127.0.0.1:").size());
    REQUIRE(port > 0);
  }
  ~proxy_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::unlink(err_path_.c_str());
    ::rmdir(dir_.c_str());
  }
  proxy_process(const proxy_process&) = delete;
  proxy_process& operator=(const proxy_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

  // SIGTERM; the exit status, or -1 when it did not exit within two seconds.
  int stop() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

  std::string errors() const {
    std::ifstream in(err_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  int port = 0;

 private:
  std::string read_line(std::chrono::milliseconds limit) {
    std::string line;
    const auto end = std::chrono::steady_clock::now() + limit;
    for (char ch = 0; ch != '\n';) {
      pollfd p{out_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      if (::read(out_, &ch, 1) != 1) break;
      if (ch != '\n') line += ch;
    }
    return line;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string dir_, err_path_;
};

// Listens on a free 127.0.0.1 port now, running the loop until it has one.
int listen_now(loop& l, net::server& srv) {
  srv.listen(0, "127.0.0.1", 511, [&l] { l.stop(); });
  l.run();
  return test::port_of(srv);
}

// Echo servers that pass half-close on: the end comes back after the data.
// A connection the proxy resets (after refusing the certificate) is expected.
void echo(net::socket& s) {
  s.pipe(s.shared_from_this());
  s.on<"error">([](const net::error_info&) {});
}
std::shared_ptr<net::server> plain_echo(loop& l) { return net::create_server(l, {.allow_half_open = true}, echo); }
std::shared_ptr<tls::server> tls_echo(loop& l, const char* cert_file = "server.crt", const char* key = "server.key") {
  return tls::create_server(l, {.allow_half_open = true, .key = cert(key), .cert = cert(cert_file)},
                            [](tls::socket& s) { echo(s); });
}

// A client that writes `total` patterned bytes (waiting for `drain` whenever
// write() says false), then ends its side, and checks every byte it reads.
struct bulk_client {
  explicit bulk_client(std::uint64_t n) : total(n) {}

  void attach(const std::shared_ptr<net::socket>& sock, bool tls) {
    s = sock;
    if (tls) {
      std::static_pointer_cast<tls::socket>(sock)->on<"secureConnect">([this] { send(); });
    } else {
      s->on<"connect">([this] { send(); });
    }
    s->on<"data">([this](std::string_view d) {
      for (char ch : d) mismatches += ch != pattern(echoed++);
    });
    s->on<"drain">([this] { send(); });
    s->on<"end">([this] { ended_after = echoed; });
    s->on<"error">([this](const net::error_info& e) { error = e.code; });
    s->on<"close">([this](bool) {
      closed = true;
      if (on_close) on_close();
    });
  }
  void send() {
    std::string chunk;
    while (sent < total) {
      chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(64 * 1024, total - sent)));
      for (auto& ch : chunk) ch = pattern(sent++);
      if (!s->write(chunk)) return;
    }
    if (!finished) s->end();
    finished = true;
  }
  void require_intact() const {
    CHECK(error == "");
    CHECK(sent == total);
    CHECK(echoed == total);
    CHECK(mismatches == 0);
    CHECK(ended_after == total);  // the end came back, after every byte
    CHECK(closed);
  }

  std::uint64_t total, sent = 0, echoed = 0, mismatches = 0;
  std::int64_t ended_after = -1;  // how much had come back when `end` came; -1: no end
  bool finished = false, closed = false;
  std::string error;
  std::shared_ptr<net::socket> s;
  std::function<void()> on_close;
};

std::shared_ptr<net::socket> tls_client(loop& l, int port) {
  return tls::connect(l, {.port = port, .host = "127.0.0.1", .allow_half_open = true, .ca = cert("ca.crt")});
}
std::shared_ptr<net::socket> plain_client(loop& l, int port, bool allow_half_open = true) {
  auto s = net::socket::create(l, {.allow_half_open = allow_half_open});
  s->connect(port, "127.0.0.1");
  return s;
}

// One bulk client through the proxy, the upstream closed once it is done.
void bulk_through(loop& l, const proxy_process& proxy, bool client_tls, net::server& upstream) {
  bulk_client c(bulk);
  c.attach(client_tls ? tls_client(l, proxy.port) : plain_client(l, proxy.port), client_tls);
  c.on_close = [&] { upstream.close(); };
  test::run_bounded(l, 60s);
  c.require_intact();
}

// A loopback port that never answers: its accept queue is full, so the
// kernel drops the SYNs of further connections.
struct silent_port {
  silent_port() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    for (int& fd : fill) {
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), len);
    }
    std::this_thread::sleep_for(200ms);  // the queue is full once those are in
  }
  ~silent_port() {
    for (int fd : fill) ::close(fd);
    ::close(listener);
  }
  int listener = -1, port = 0;
  int fill[3]{};
};

bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a TLS client reaches a plain upstream through the proxy: 4 MiB each way intact, the end carried and back") {
  loop l;
  auto upstream = plain_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy(
      {"--to", "127.0.0.1:" + std::to_string(up), "--tls-cert", cert("server.crt"), "--tls-key", cert("server.key")});
  bulk_through(l, proxy, true, *upstream);
  CHECK(proxy.stop() == 0);
}

TEST_CASE("a plain client reaches a TLS upstream verified with --ca: 4 MiB each way intact, the end carried and back") {
  loop l;
  auto upstream = tls_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls", "--ca", cert("ca.crt")});
  bulk_through(l, proxy, false, *upstream);
  CHECK(proxy.stop() == 0);
}

TEST_CASE("TLS on both sides of the proxy: 4 MiB each way intact, the end carried and back") {
  loop l;
  auto upstream = tls_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls", "--ca", cert("ca.crt"), "--tls-cert",
                       cert("server.crt"), "--tls-key", cert("server.key")});
  bulk_through(l, proxy, true, *upstream);
  CHECK(proxy.stop() == 0);
}

TEST_CASE("a plaintext client of the TLS side is closed and the proxy serves the next TLS client") {
  loop l;
  auto upstream = plain_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy(
      {"--to", "127.0.0.1:" + std::to_string(up), "--tls-cert", cert("server.crt"), "--tls-key", cert("server.key")});
  bool plain_closed = false;
  bulk_client next(64 * 1024);
  // An HTTP request where a ClientHello should be; the client ends when the proxy does.
  auto p = plain_client(l, proxy.port, false);
  p->on<"connect">([p] { p->write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); });
  p->on<"error">([](const net::error_info&) {});  // a reset is as good as an end here
  p->on<"close">([&](bool) {
    plain_closed = true;
    next.attach(tls_client(l, proxy.port), true);
    next.on_close = [&] { upstream->close(); };
  });
  test::run_bounded(l, 30s);
  CHECK(plain_closed);
  next.require_intact();
  CHECK(proxy.running());
  CHECK(has(proxy.errors(), "ERR_SSL_HTTP_REQUEST"));
  CHECK(proxy.stop() == 0);
}

TEST_CASE("an upstream whose certificate does not verify closes the client and the proxy serves the next one") {
  // The proxy's one upstream is a forwarder: the first connection goes to a
  // self-signed server, the next to the test CA's.
  loop l;
  auto bad = tls_echo(l, "self.crt", "self.key");
  auto good = tls_echo(l);
  const int bad_port = listen_now(l, *bad), good_port = listen_now(l, *good);
  int connections = 0;
  auto forwarder = net::create_server(l, {.allow_half_open = true}, [&](net::socket& c) {
    auto to = plain_client(l, connections++ == 0 ? bad_port : good_port);
    c.pipe(to);
    to->pipe(c.shared_from_this());
    c.on<"error">([](const net::error_info&) {});
    to->on<"error">([](const net::error_info&) {});
    c.on<"close">([to](bool) { to->destroy(); });
    to->on<"close">([from = c.weak_from_this()](bool) {
      if (auto f = from.lock()) f->destroy();
    });
  });
  const int up = listen_now(l, *forwarder);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls", "--ca", cert("ca.crt")});
  bulk_client refused(1000);
  bulk_client next(64 * 1024);
  refused.attach(plain_client(l, proxy.port), false);
  refused.on_close = [&] {
    next.attach(plain_client(l, proxy.port), false);
    next.on_close = [&] { bad->close(), good->close(), forwarder->close(); };
  };
  test::run_bounded(l, 30s);
  CHECK(refused.closed);
  CHECK(refused.echoed == 0);
  next.require_intact();
  CHECK(connections == 2);
  CHECK(proxy.running());
  CHECK(has(proxy.errors(), "DEPTH_ZERO_SELF_SIGNED_CERT"));
  CHECK(proxy.stop() == 0);
}

TEST_CASE("without --ca the upstream is verified against the system store, which does not know the test CA") {
  loop l;
  auto upstream = tls_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls"});
  bulk_client refused(1000);
  refused.attach(plain_client(l, proxy.port), false);
  refused.on_close = [&] { upstream->close(); };
  test::run_bounded(l, 30s);
  CHECK(refused.closed);
  CHECK(refused.echoed == 0);
  CHECK(proxy.running());
  CHECK(has(proxy.errors(), "UNABLE_TO_"));  // ..._GET_ISSUER_CERT_LOCALLY or ..._VERIFY_LEAF_SIGNATURE
  CHECK(proxy.stop() == 0);
}

TEST_CASE("a client that comes after the proxy sat idle for longer than its timeouts is served") {
  // The handshake timeout and the upstream's connect timeout are armed while
  // the loop handles the accept that ended a long wait.
  loop l;
  auto upstream = tls_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls", "--ca", cert("ca.crt"), "--tls-cert",
                       cert("server.crt"), "--tls-key", cert("server.key"), "--connect-timeout", "500"});
  std::this_thread::sleep_for(1s);
  bulk_client c(64 * 1024);
  c.attach(tls_client(l, proxy.port), true);
  c.on_close = [&] { upstream->close(); };
  test::run_bounded(l, 30s);
  c.require_intact();
  CHECK(proxy.errors() == "");
  CHECK(proxy.stop() == 0);
}

TEST_CASE("an upstream that never answers is given up after --connect-timeout, counted from the client's arrival") {
  silent_port silent;
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(silent.port), "--to-tls", "--connect-timeout", "300"});
  std::this_thread::sleep_for(500ms);  // longer than the timeout: it must not fire at once
  loop l;
  bulk_client c(1000);
  c.attach(plain_client(l, proxy.port), false);
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  c.on_close = [&] { took = std::chrono::steady_clock::now() - start; };
  test::run_bounded(l, 10s);
  CHECK(c.closed);
  CHECK(c.echoed == 0);
  CHECK(took >= 250ms);
  CHECK(took < 2s);
  CHECK(has(proxy.errors(), "ETIMEDOUT"));
  CHECK(proxy.stop() == 0);
}

namespace {
// The resident size of a process, from /proc/PID/status.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}
}  // namespace

TEST_CASE("a client that stops reading stalls the whole chain instead of filling the proxy") {
  // TLS client -> proxy -> plain echo: the client writes without reading, so
  // the echo's writes back stall, then its reads, then the proxy's reads
  // from the client, then the client's writes. The proxy holds a high-water
  // mark per direction, not what the client pushed.
  loop l;
  auto upstream = plain_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy(
      {"--to", "127.0.0.1:" + std::to_string(up), "--tls-cert", cert("server.crt"), "--tls-key", cert("server.key")});
  const long rss_before = rss_kib(proxy.pid());
  bulk_client c(bulk_stall_limit);
  auto sock = std::static_pointer_cast<tls::socket>(tls_client(l, proxy.port));
  sock->on<"secureConnect">([&] { sock->pause(); });  // (a paused socket would not finish its handshake)
  c.attach(sock, true);
  c.on_close = [&] { upstream->close(); };
  std::uint64_t last_sent = 0, sent_stalled = 0;
  int still = 0;  // checks in a row that saw no progress
  long rss_stalled = -1;
  std::function<void()> watch;
  deadline check(l, [&] { watch(); });
  watch = [&] {
    if (c.sent != 0 && c.sent == last_sent && ++still == 5) {  // no progress for 1 s
      rss_stalled = rss_kib(proxy.pid());
      sent_stalled = c.sent;
      c.total = c.sent;  // the client ends once it can write again
      c.s->resume();     // and everything comes back, every byte checked
      return;
    }
    if (c.sent != last_sent) still = 0;
    last_sent = c.sent;
    if (!c.closed) check.expires_after(200ms);
  };
  check.expires_after(200ms);
  test::run_bounded(l, 60s);
  MESSAGE("stalled after " << sent_stalled << " bytes; proxy RSS " << rss_before << " KiB before, " << rss_stalled
                           << " KiB stalled");
  c.require_intact();
  CHECK(sent_stalled > 0);
  CHECK(sent_stalled < bulk_stall_limit);
  CHECK(rss_stalled - rss_before < rss_growth_limit_kib);
  CHECK(proxy.stop() == 0);
}

TEST_CASE("with --threads 3 (one loop per thread on one port) twelve TLS clients at once all get their bytes back") {
  loop l;
  auto upstream = tls_echo(l);
  const int up = listen_now(l, *upstream);
  proxy_process proxy({"--to", "127.0.0.1:" + std::to_string(up), "--to-tls", "--ca", cert("ca.crt"), "--tls-cert",
                       cert("server.crt"), "--tls-key", cert("server.key"), "--threads", "3"});
  std::vector<std::unique_ptr<bulk_client>> clients;
  int open = 12;
  for (int i = 0; i < open; ++i) {  // at once, so that SO_REUSEPORT spreads them
    clients.push_back(std::make_unique<bulk_client>(256 * 1024));
    clients.back()->attach(tls_client(l, proxy.port), true);
    clients.back()->on_close = [&] {
      if (--open == 0) upstream->close();
    };
  }
  test::run_bounded(l, 30s);
  for (auto& c : clients) c->require_intact();
  CHECK(proxy.stop() == 0);
}

TEST_CASE("half-close is carried both ways: the upstream answers after the client's end, then ends") {
  struct combination {
    bool client_tls, upstream_tls;
  };
  for (const combination each : {combination{true, false}, {false, true}, {true, true}}) {
    // Plain copies, not structured bindings: clang 14 cannot capture those.
    const bool client_tls = each.client_tls, upstream_tls = each.upstream_tls;
    CAPTURE(client_tls);
    CAPTURE(upstream_tls);
    loop l;
    // The upstream reads to the end, and only then answers and ends.
    auto answer = [](net::socket& s) {
      auto got = std::make_shared<std::string>();
      s.on<"data">([got](std::string_view d) { *got += d; });
      s.on<"end">([&s, got] { s.end("after your end: " + *got); });
    };
    std::shared_ptr<net::server> upstream;
    if (upstream_tls) {
      upstream = tls::create_server(l, {.allow_half_open = true, .key = cert("server.key"), .cert = cert("server.crt")},
                                    [answer](tls::socket& s) { answer(s); });
    } else {
      upstream = net::create_server(l, {.allow_half_open = true}, answer);
    }
    const int up = listen_now(l, *upstream);
    std::vector<std::string> flags{"--to", "127.0.0.1:" + std::to_string(up)};
    if (upstream_tls) flags.insert(flags.end(), {"--to-tls", "--ca", cert("ca.crt")});
    if (client_tls) flags.insert(flags.end(), {"--tls-cert", cert("server.crt"), "--tls-key", cert("server.key")});
    proxy_process proxy(flags);
    auto c = client_tls ? tls_client(l, proxy.port) : plain_client(l, proxy.port);
    std::string got;
    bool ended = false;
    auto ask = [&c] { c->end("hello"); };
    if (client_tls) {
      std::static_pointer_cast<tls::socket>(c)->on<"secureConnect">(ask);
    } else {
      c->on<"connect">(ask);
    }
    c->on<"data">([&](std::string_view d) { got += d; });
    c->on<"end">([&] { ended = true; });
    c->on<"close">([&](bool) { upstream->close(); });
    test::run_bounded(l, 20s);
    CHECK(got == "after your end: hello");
    CHECK(ended);
    CHECK(proxy.stop() == 0);
  }
}
