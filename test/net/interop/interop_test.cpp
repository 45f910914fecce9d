// coronet and Node.js talking to each other over loopback, half-close
// included. The peer is Node 26, named by CORONET_NODE (meson sets it from
// scripts/node26.sh); without it the tests fail, never fall back to another
// node.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "../io/net_test_util.hpp"

extern char** environ;

using namespace coronet;

namespace {
const char* peer_script() { return CORONET_INTEROP_PEER; }  // set by meson

struct child {
  pid_t pid = -1;
  int out = -1;  // the child's stdout
};

// The Node 26 binary, or a failed test saying why there is none.
std::string node26() {
  const char* node = std::getenv("CORONET_NODE");
  REQUIRE_MESSAGE((node && *node), "CORONET_NODE is not set: scripts/node26.sh failed when meson was set up");
  REQUIRE_MESSAGE(::access(node, X_OK) == 0, "CORONET_NODE is not an executable: ", node);
  return node;
}

child start_node(std::vector<std::string> args) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const std::string node = node26();
  std::vector<std::string> all{node, peer_script()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  child c;
  REQUIRE(posix_spawn(&c.pid, node.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  c.out = fds[0];
  return c;
}

// Reads the child's output until it exits; returns (exit code, output).
std::pair<int, std::string> finish(child c) {
  std::string text;
  char buf[256];
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
}  // namespace

TEST_CASE("a Node.js client talks to a coronet server, half-close included") {
  node26();  // fails here, not inside a loop callback, when Node 26 is missing
  loop l;
  std::string server_got;
  std::shared_ptr<net::server> srv;
  srv = net::create_server(l, {.allow_half_open = true}, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { server_got += d; });
    s.on<"end">([&, self = s.shared_from_this()] {
      self->end("coronet got: " + server_got);  // still writable after the client's FIN
      srv->close();
    });
  });
  child node;
  srv->listen(0, "127.0.0.1", 511, [&] { node = start_node({"client", std::to_string(test::port_of(*srv))}); });
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(node);
  CHECK(code == 0);
  CHECK(server_got == "hello from node");
  CHECK(out == "{\"got\":\"coronet got: hello from node\"}\n");
}

TEST_CASE("a coronet client talks to a Node.js server, half-close included") {
  auto node = start_node({"server"});
  int port = std::stoi(read_line(node.out));
  loop l;
  std::string got;
  bool ended = false;
  auto c = net::connect(l, {.port = port, .host = "127.0.0.1"});
  c->on<"connect">([&] {
    c->write("hello from coronet");
    c->end();  // half-close: Node answers after our FIN
  });
  c->on<"data">([&](std::string_view d) { got += d; });
  c->on<"end">([&] { ended = true; });
  test::run_bounded(l, std::chrono::seconds(30));
  auto [code, out] = finish(node);
  CHECK(code == 0);
  CHECK(ended);
  CHECK(got == "node got: hello from coronet");
}
