// Destroying a loop with live sockets, listeners, timers and coroutines
// (the rule is at the top of include/coronet/loop.hpp): every pending
// operation completes with ECANCELED inside ~loop, no coroutine resumes
// after it, frames are freed and no descriptor leaks.
#include "../test_util.hpp"

#include <coronet/coronet.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <vector>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// What the coroutines saw, and when.
struct probe {
  bool loop_gone = false;
  int suspended = 0;  // coroutines that reached their last co_await
  int late = 0;       // resumed after ~loop returned
  int frames_freed = 0;
  std::vector<std::error_code> results;

  void saw(std::error_code ec) {
    if (loop_gone) ++late;
    results.push_back(ec);
  }
};

// Counts the frame that holds it when the frame goes.
struct frame_guard {
  probe& p;
  ~frame_guard() { ++p.frames_freed; }
};

// Runs turns (never sleeping for long: a posted no-op keeps each short)
// until `done()`, for at most about two seconds.
void turn_until(loop& l, const std::function<bool()>& done) {
  for (int i = 0; i < 2000 && !done(); ++i) {
    l.post([] {});
    l.run_once();
    ::usleep(1000);
  }
}

// A blocking client connected to `port` on 127.0.0.1 (the kernel completes
// the handshake from the backlog; nobody has to accept it first).
int raw_client(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

}  // namespace

TEST_CASE("destroying a loop completes pending accept, connect, read, receive, write and sleep with ECANCELED") {
  const int fds_before = test::open_fd_count();
  probe p;
  std::vector<int> peers;
  int blackhole = -1;
  {
    std::optional<loop> l(std::in_place);
    listener idle = test::listen(*l, endpoint::loopback(AF_INET, 0));  // nobody connects
    listener busy = test::listen(*l, endpoint::loopback(AF_INET, 0));  // peers for the reads and the write
    const auto busy_port = busy.local_endpoint()->port();
    for (int i = 0; i < 3; ++i) peers.push_back(raw_client(busy_port));

    // A listener whose accept queue is full: a connect to it stays pending.
    blackhole = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    REQUIRE(::bind(blackhole, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(blackhole, 0) == 0);
    REQUIRE(::getsockname(blackhole, reinterpret_cast<sockaddr*>(&a), &alen) == 0);
    for (int i = 0; i < 4; ++i) {
      int f = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      ::connect(f, reinterpret_cast<sockaddr*>(&a), sizeof a);
      peers.push_back(f);
    }
    ::usleep(100'000);
    const auto blackhole_port = ntohs(a.sin_port);

    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      ++p.suspended;
      auto [ec, s] = co_await idle.accept();
      p.saw(ec);
    });
    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      auto [aec, s] = co_await busy.accept();
      REQUIRE(!aec);
      ++p.suspended;
      auto [ec, chunk] = co_await s.receive();
      p.saw(ec);
    });
    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      auto [aec, s] = co_await busy.accept();
      REQUIRE(!aec);
      std::byte buf[64];
      ++p.suspended;
      auto [ec, n] = co_await s.read_some(buf);
      p.saw(ec);
    });
    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      auto [aec, s] = co_await busy.accept();
      REQUIRE(!aec);
      std::vector<std::byte> big(64 << 20);  // more than the socket buffers take: the write waits
      ++p.suspended;
      auto [ec, n] = co_await s.write_all(big);
      p.saw(ec);
    });
    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      auto s = stream_socket::open(*l, AF_INET);
      REQUIRE(!s.ec);
      ++p.suspended;
      auto ec = co_await s.value.connect(endpoint::loopback(AF_INET, blackhole_port));
      p.saw(ec);
    });
    spawn(*l, [&]() -> task<void> {
      frame_guard g{p};
      deadline d(*l, [&] { FAIL("a deadline fired during teardown"); });
      d.expires_after(1h);
      ++p.suspended;
      p.saw(co_await sleep_for(*l, 1h));
    });
    turn_until(*l, [&] { return p.suspended == 6; });
    int turns = 0;
    turn_until(*l, [&] { return ++turns > 20; });  // let the kernel take the write and the connect
    REQUIRE(p.suspended == 6);
    REQUIRE(p.results.empty());

    l.reset();
    p.loop_gone = true;
    CHECK(p.frames_freed == 6);
    REQUIRE(p.results.size() == 6);
    for (auto ec : p.results) CHECK(ec == std::errc::operation_canceled);
  }
  CHECK(p.late == 0);
  for (int f : peers) ::close(f);
  ::close(blackhole);
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("what a coroutine starts during the drain ends with ECANCELED too") {
  probe p;
  std::optional<loop> l(std::in_place);
  listener server = test::listen(*l, endpoint::loopback(AF_INET, 0));
  bool posted_ran = false;
  spawn(*l, [&]() -> task<void> {
    frame_guard g{p};
    ++p.suspended;
    auto [ec, s] = co_await server.accept();
    p.saw(ec);
    // Still inside ~loop: the loop is whole, and new work meets the same end.
    p.saw(co_await sleep_for(*l, 1h));
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    stream_socket fresh(*l, pair[0]);
    std::byte buf[8];
    p.saw((co_await fresh.read_some(buf)).ec);  // the peer is silent: pending until the drain closes it
    ::close(pair[1]);
    for (int i = 0; i < 50; ++i) p.saw(co_await sleep_for(*l, 1ms));  // a few retries still end
    l->post([&] { posted_ran = true; });
    spawn(*l, [&]() -> task<void> {
      frame_guard g2{p};
      p.saw(co_await sleep_for(*l, 1h));
    });
  });
  turn_until(*l, [&] { return p.suspended == 1; });
  l.reset();
  p.loop_gone = true;
  CHECK(p.late == 0);
  CHECK(p.frames_freed == 2);
  CHECK(posted_ran);
  REQUIRE(p.results.size() == 54);
  for (auto ec : p.results) CHECK(ec == std::errc::operation_canceled);
}

TEST_CASE("a socket and a listener that outlive their loop are closed and can still be destroyed") {
  const int fds_before = test::open_fd_count();
  stream_socket kept;
  listener kept_listener;
  {
    loop l;
    kept_listener = test::listen(l, endpoint::loopback(AF_INET, 0));
    auto s = stream_socket::open(l, AF_INET);
    REQUIRE(!s.ec);
    kept = std::move(s.value);
    CHECK(kept.native_handle() >= 0);
  }
  CHECK(kept.native_handle() == -1);  // the drain closed it
  CHECK(kept.get_loop() == nullptr);
  kept.close();
  kept_listener = listener();
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("a Unix listener's path stays until the owner unlinks it, and the descriptor goes with the loop") {
  const auto path = test::temp_socket_path("teardown");
  const int fds_before = test::open_fd_count();
  {
    loop l;
    auto at = endpoint::unix_path(path);
    listener server = test::listen(l, *at);
    bool waiting = false;
    spawn(l, [&]() -> task<void> {
      waiting = true;
      (void)co_await server.accept();
    });
    turn_until(l, [&] { return waiting; });
  }
  CHECK(test::open_fd_count() == fds_before);
  ::unlink(path.c_str());
}
