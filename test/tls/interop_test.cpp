// coronet::tls talking to Node 26's tls and to `openssl s_client` /
// `openssl s_server`, both ways: handshake, SNI, ALPN, client
// certificates, 16 MiB each way with half-close, resumption. Node 26 is
// CORONET_NODE (meson sets it from scripts/node26.sh); without it the Node
// cases fail, never fall back to another node.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <openssl/evp.h>

#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "tls_test_util.hpp"

extern char** environ;

using namespace coronet;

namespace {
char pattern(std::uint64_t i) { return static_cast<char>((i * 31 + i / 7919) % 251); }
constexpr std::uint64_t total = 16u << 20;

// A SHA-256 over a stream, as hex (what peer.js prints).
class sha256 {
 public:
  sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~sha256() { EVP_MD_CTX_free(ctx_); }
  void update(std::string_view d) { EVP_DigestUpdate(ctx_, d.data(), d.size()); }
  std::string hex() {
    unsigned char md[32];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_, md, &n);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string pattern_sha256() {
  sha256 h;
  std::string chunk(65536, '\0');
  for (std::uint64_t at = 0; at < total; at += chunk.size()) {
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(at + i);
    h.update(chunk);
  }
  return h.hex();
}

struct child {
  pid_t pid = -1;
  int out = -1;  // its stdout
  int in = -1;   // its stdin
};

child start(std::vector<std::string> all) {
  int out[2], in[2];
  REQUIRE(::pipe(out) == 0);
  REQUIRE(::pipe(in) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  child c;
  REQUIRE(posix_spawnp(&c.pid, all[0].c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(in[0]);
  c.out = out[0];
  c.in = in[1];
  return c;
}

std::pair<int, std::string> finish(child c) {
  if (c.in >= 0) ::close(c.in);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(c.out, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(c.out);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

std::string read_line(int fd) {
  std::string line;
  char ch;
  while (::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  return line;
}

std::string node26() {
  const char* node = std::getenv("CORONET_NODE");
  REQUIRE_MESSAGE((node && *node), "CORONET_NODE is not set: scripts/node26.sh failed when meson was set up");
  return node;
}

// A loopback port nobody listens on (for s_server, which cannot report one).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("Node 26's tls.connect({servername}) gets the certificate add_context chose for the name") {
  const std::string node = node26();
  loop l;
  auto so = test::server_tls();
  so.cert = test::cert("wronghost.crt");  // the default: example.com
  int connections = 0;
  std::shared_ptr<tls::server> srv;
  srv = tls::create_server(l, so, [&](tls::socket& s) {
    s.end();
    if (++connections == 3) srv->close();
  });
  srv->add_context("localhost", {.key = test::cert("server.key"), .cert = test::cert("server.crt")});
  srv->add_context("*.TEST",
                   tls::create_secure_context({.key = test::cert("other.key"), .cert = test::cert("other.crt")}));
  child peer;
  srv->listen(0, "127.0.0.1", 511, [&] {
    peer = start({node, CORONET_TLS_PEER, "sni", std::to_string(test::port_of(*srv)), CORONET_TLS_CERTS});
  });
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(peer);
  CHECK(code == 0);
  // unknown.test matches *.TEST too: other.test's certificate, which does
  // not name it.
  CHECK(out ==
        "{\"other.test\":[\"other.test\",true],\"localhost\":[\"localhost\",true],"
        "\"unknown.test\":[\"other.test\",false]}\n");
}

TEST_CASE(
    "a Node 26 tls client and a coronet tls server: client certificate, SNI, ALPN, 16 MiB, half-close, resumption") {
  const std::string node = node26();
  loop l;
  auto so = test::server_tls();
  so.ca = test::cert("ca.crt");
  so.request_cert = true;
  so.allow_half_open = true;
  so.alpn_protocols = {"h2", "http/1.1"};
  std::vector<std::string> seen;
  int connections = 0;
  std::shared_ptr<tls::server> srv;
  srv = tls::create_server(l, so, [&](tls::socket& s) {
    auto h = std::make_shared<sha256>();
    auto got = std::make_shared<std::uint64_t>(0);
    seen.push_back(s.servername() + " " + s.alpn_protocol() + " " + (s.authorized() ? "authorized" : "not") + " " +
                   s.get_peer_certificate().value_or(tls::peer_certificate{}).subject["CN"]);
    s.on<"data">([h, got](std::string_view d) {
      *got += d.size();
      h->update(d);
    });
    s.on<"end">([&, &s = s, h, got] {
      // Half-close: still writable after the client's FIN; the stream goes back.
      if (*got == total) {
        std::string chunk(65536, '\0');
        for (std::uint64_t at = 0; at < total; at += chunk.size()) {
          for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(at + i);
          s.write(chunk);
        }
      }
      s.end();
      if (++connections == 2) srv->close();
    });
  });
  child peer;
  srv->listen(0, "127.0.0.1", 511, [&] {
    peer = start({node, CORONET_TLS_PEER, "client", std::to_string(test::port_of(*srv)), CORONET_TLS_CERTS});
  });
  test::run_bounded(l, std::chrono::seconds(60));
  auto [code, out] = finish(peer);
  CHECK(code == 0);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == "localhost http/1.1 authorized coronet test client");
  CHECK(out == "{\"authorized\":true,\"alpn\":\"http/1.1\",\"protocol\":\"TLSv1.3\",\"got\":16777216,\"sha256\":\"" +
                   pattern_sha256() + "\",\"reused\":true}\n");
}

TEST_CASE("Node 26's tls.connect({servername}) gets the certificate a coronet sni_callback picks") {
  const std::string node = node26();
  loop l;
  auto so = test::server_tls();
  so.cert = test::cert("wronghost.crt");  // the default: example.com
  auto localhost = tls::create_secure_context({.key = test::cert("server.key"), .cert = test::cert("server.crt")});
  auto other = tls::create_secure_context({.key = test::cert("other.key"), .cert = test::cert("other.crt")});
  so.sni_callback = [&](std::string_view name, tls::sni_done done) {
    auto ctx = name == "localhost" ? localhost : name == "other.test" ? other : nullptr;
    l.post([done, ctx] { done(nullptr, ctx); });
  };
  int connections = 0;
  std::shared_ptr<tls::server> srv;
  srv = tls::create_server(l, so, [&](tls::socket& s) {
    s.end();
    if (++connections == 3) srv->close();
  });
  child peer;
  srv->listen(0, "127.0.0.1", 511, [&] {
    peer = start({node, CORONET_TLS_PEER, "sni", std::to_string(test::port_of(*srv)), CORONET_TLS_CERTS});
  });
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(peer);
  CHECK(code == 0);
  CHECK(out ==
        "{\"other.test\":[\"other.test\",true],\"localhost\":[\"localhost\",true],"
        "\"unknown.test\":[\"example.com\",false]}\n");
}

TEST_CASE(
    "a coronet tls client and a Node 26 tls server: client certificate, SNI, ALPN, 16 MiB, half-close, resumption") {
  auto peer = start({node26(), CORONET_TLS_PEER, "server", CORONET_TLS_CERTS});
  const int port = std::stoi(read_line(peer.out));
  loop l;
  std::string first_reply, second_reply, session;
  bool reused = false;
  std::string alpn;
  tls::connect_options o{.port = port,
                         .host = "127.0.0.1",
                         .key = test::cert("client.key"),
                         .cert = test::cert("client.crt"),
                         .ca = test::cert("ca.crt"),
                         .servername = "localhost",
                         .alpn_protocols = {"http/1.1"}};
  o.allow_half_open = true;
  auto c = tls::connect(l, o);
  c->on<"session">([&](std::string_view s) { session = s; });
  c->on<"secureConnect">([&] {
    alpn = c->alpn_protocol();
    std::string chunk(65536, '\0');
    for (std::uint64_t at = 0; at < total; at += chunk.size()) {
      for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(at + i);
      c->write(chunk);
    }
    c->end();
  });
  c->on<"data">([&](std::string_view d) { first_reply += d; });
  c->on<"close">([&](bool) {
    auto again_options = o;
    again_options.session = session;
    auto again = tls::connect(l, again_options);
    again->on<"secureConnect">([&, again] {
      reused = again->is_session_reused();
      again->end();
    });
    again->on<"data">([&](std::string_view d) { second_reply += d; });
  });
  test::run_bounded(l, std::chrono::seconds(60));
  auto [code, out] = finish(peer);
  CHECK(code == 0);
  CHECK(alpn == "http/1.1");
  CHECK(first_reply == "{\"got\":16777216,\"sha256\":\"" + pattern_sha256() +
                           "\",\"servername\":\"localhost\",\"alpn\":\"http/1.1\",\"authorized\":true,"
                           "\"client\":\"coronet test client\",\"reused\":false}");
  CHECK(reused);
  CHECK(has(second_reply, "\"reused\":true"));
}

TEST_CASE("openssl s_client talks to a coronet tls server") {
  loop l;
  auto so = test::server_tls();
  so.alpn_protocols = {"http/1.1"};
  std::string got;
  std::shared_ptr<tls::server> srv;
  srv = tls::create_server(l, so, [&](tls::socket& s) {
    s.on<"data">([&, &s = s](std::string_view d) {
      got += d;
      if (got.find('\n') != std::string::npos) s.end("coronet got: " + got);
    });
    s.on<"close">([&](bool) { srv->close(); });
  });
  child peer;
  srv->listen(0, "127.0.0.1", 511, [&] {
    peer = start({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(test::port_of(*srv)), "-CAfile",
                  test::cert("ca.crt"), "-servername", "localhost", "-alpn", "http/1.1", "-verify_return_error",
                  "-quiet", "-no_ign_eof"});
    REQUIRE(::write(peer.in, "hello\n", 6) == 6);
  });
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(peer);
  CHECK(code == 0);
  CHECK(got == "hello\n");
  CHECK(out == "coronet got: hello\n");
}

TEST_CASE("a coronet tls client talks to openssl s_server") {
  const int port = free_port();
  auto peer = start({"openssl", "s_server", "-accept", std::to_string(port), "-key", test::cert("server.key"), "-cert",
                     test::cert("server.crt"), "-rev", "-naccept", "1", "-quiet"});
  loop l;
  std::string page;
  std::optional<net::error_info> error;
  std::shared_ptr<tls::socket> c;
  int attempts = 0;
  // s_server needs a moment to listen: retry a refused connection a few times.
  std::function<void()> attempt;
  deadline retry(l, [&] { attempt(); });
  retry.ref();  // a deadline does not hold the loop by itself
  attempt = [&] {
    ++attempts;
    auto o = test::client_tls(port);
    o.host = "127.0.0.1";
    c = tls::connect(l, o, [&] { c->write("hello\n"); });
    c->on<"data">([&](std::string_view d) {
      page += d;  // -rev: each line comes back reversed
      if (page.find('\n') != std::string::npos) c->end();
    });
    c->on<"error">([&](const net::error_info& e) {
      if (e.code == "ECONNREFUSED" && attempts < 50) {
        retry.expires_after(std::chrono::milliseconds(100));
        return;
      }
      error = e;
    });
  };
  attempt();
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(peer);
  CHECK(!error);
  CHECK(page == "olleh\n");
  CHECK(c->get_protocol() == "TLSv1.3");
  CHECK(code == 0);
  CHECK(c->authorized());
}
