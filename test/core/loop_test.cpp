// The loop's lifetime rules and timers.
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

TEST_CASE("the loop runs on the backend CORONET_BACKEND names") {
  loop l;
  if (const char* b = std::getenv("CORONET_BACKEND")) CHECK(to_string(l.backend()) == std::string(b));
}

TEST_CASE("timers fire in order of expiry, ties in order of start") {
  loop l;
  std::vector<int> order;
  auto after = [&](int id, std::chrono::milliseconds d) {
    spawn(l, [&l, &order, id, d]() -> task<void> {
      co_await sleep_for(l, d);
      order.push_back(id);
    });
  };
  after(3, 30ms);
  after(1, 10ms);
  after(2, 20ms);
  after(4, 30ms);
  after(0, 0ms);
  l.run();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a sleep lasts at least its duration") {
  loop l;
  auto start = std::chrono::steady_clock::now();
  test::run(l, [&]() -> task<void> { co_await sleep_for(l, 20ms); });
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
}

TEST_CASE("run returns at once when nothing is pending") {
  loop l;
  l.run();
  CHECK_FALSE(l.run_once());
}

TEST_CASE("run returns when the last referenced handle closes, and not before") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  bool accept_ended = false;
  bool closed_by_timer = false;
  spawn(l, [&]() -> task<void> {
    auto r = co_await srv.accept();  // keeps the loop alive until the close
    accept_ended = true;
    CHECK(r.ec == std::errc::operation_canceled);
  });
  spawn(l, [&]() -> task<void> {
    co_await sleep_for(l, 30ms);
    CHECK_FALSE(accept_ended);
    closed_by_timer = true;
    srv.close();
  });
  l.run();
  CHECK(closed_by_timer);
  CHECK(accept_ended);
}

TEST_CASE("an unreferenced listener does not keep run going") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  srv.unref();
  bool finished = false;
  spawn(l, [&]() -> task<void> {
    auto r = co_await srv.accept();
    finished = true;  // only once the listener closes, after run()
  });
  l.run();  // returns although an accept is pending
  CHECK_FALSE(finished);
  srv.ref();
  srv.close();
  l.run();  // delivers the cancellation
  CHECK(finished);
}

TEST_CASE("post from another thread runs on the loop and wakes it") {
  loop l;
  std::atomic<bool> ran_on_loop_thread{false};
  auto loop_thread = std::this_thread::get_id();
  // A long sleep keeps the loop blocked in the kernel until the post wakes it.
  std::stop_source src;
  spawn(l, [&]() -> task<void> { co_await sleep_for(l, 10s, src.get_token()); });
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    l.post([&] {
      ran_on_loop_thread = std::this_thread::get_id() == loop_thread;
      src.request_stop();
    });
  });
  auto start = std::chrono::steady_clock::now();
  l.run();
  other.join();
  CHECK(ran_on_loop_thread);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("stop makes run return, and run can be called again") {
  loop l;
  int ticks = 0;
  spawn(l, [&]() -> task<void> {
    for (int i = 0; i < 3; ++i) {
      co_await sleep_for(l, 1ms);
      ++ticks;
      if (i == 0) l.stop();
    }
  });
  l.run();
  CHECK(ticks == 1);
  l.run();
  CHECK(ticks == 3);
}

TEST_CASE("a deadline fires once after the last push back") {
  loop l;
  int fired = 0;
  deadline d(l, [&] { ++fired; });
  d.ref();
  d.expires_after(200ms);
  spawn(l, [&]() -> task<void> {
    for (int i = 0; i < 5; ++i) {
      co_await sleep_for(l, 10ms);
      d.expires_after(200ms);  // idle timer pushed back by activity
    }
  });
  auto start = std::chrono::steady_clock::now();
  l.run();
  CHECK(fired == 1);
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
}

TEST_CASE("a cancelled deadline does not fire") {
  loop l;
  int fired = 0;
  deadline d(l, [&] { ++fired; });
  d.ref();
  d.expires_after(5ms);
  d.cancel();
  spawn(l, [&]() -> task<void> { co_await sleep_for(l, 20ms); });
  l.run();
  CHECK(fired == 0);
}

TEST_CASE("an unreferenced deadline does not keep run going") {
  loop l;
  int fired = 0;
  deadline d(l, [&] { ++fired; });
  d.expires_after(10s);
  auto start = std::chrono::steady_clock::now();
  l.run();
  CHECK(fired == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a deadline armed when I/O ends a long wait counts from the wake, not from before the wait") {
  // The loop sleeps in the backend until the peer writes; the reader resumes
  // inside that same poll. A clock read before the sleep would put the
  // deadline 300 ms in the past, and it would fire at once.
  loop l;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  stream_socket reader(l, fds[0]);
  std::chrono::steady_clock::time_point armed{}, fired{};
  deadline d(l, [&] { fired = std::chrono::steady_clock::now(); });
  std::thread peer([&] {
    std::this_thread::sleep_for(300ms);
    [[maybe_unused]] auto n = ::write(fds[1], "x", 1);
  });
  test::run(l, [&]() -> task<void> {
    std::byte b[1];
    auto n = co_await reader.read_some(b);
    CHECK(n.value == 1);
    armed = std::chrono::steady_clock::now();
    d.expires_after(200ms);
    co_await sleep_for(l, 400ms);  // keeps the loop running past the deadline
  });
  peer.join();
  ::close(fds[1]);
  REQUIRE(fired != std::chrono::steady_clock::time_point{});
  CHECK(fired - armed >= 190ms);
}
