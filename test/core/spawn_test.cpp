// spawn(loop, task) runs the task's own frame detached: the frame frees
// itself when the task ends, however it ends, and an escaping exception goes
// to the loop's handler. These tests count frames so that a frame freed
// twice, or never, shows (the ASan build sees the rest).
#include "../test_util.hpp"

#include <coronet/coronet.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// Counts the frame that holds it when the frame goes.
struct frame_guard {
  int& freed;
  ~frame_guard() { ++freed; }
};

task<int> finishes_at_once(int& ran, int& freed) {
  frame_guard g{freed};
  ++ran;
  co_return 7;
}

task<void> throws_after_a_sleep(loop& l, int& freed) {
  frame_guard g{freed};
  co_await sleep_for(l, 1ms);
  throw std::runtime_error("late boom");
}

task<int> throws_from_a_value_task(int& freed) {
  frame_guard g{freed};
  throw std::logic_error("value boom");
  co_return 0;
}

// Collects what reaches the loop's exception handler.
struct reports {
  int count = 0;
  std::string what;
  void watch(loop& l) {
    l.set_exception_handler([this](std::exception_ptr e) {
      ++count;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      }
    });
  }
};

}  // namespace

TEST_CASE("a spawned task that finishes without suspending frees its frame once") {
  loop l;
  int ran = 0, freed = 0;
  for (int i = 0; i < 1000; ++i) spawn(l, finishes_at_once(ran, freed));
  CHECK(ran == 0);  // spawned tasks start in the loop's next turn
  l.run();
  CHECK(ran == 1000);
  CHECK(freed == 1000);
}

TEST_CASE("an exception thrown after a suspension reaches the loop's handler and the frame is freed") {
  loop l;
  reports r;
  r.watch(l);
  int freed = 0;
  spawn(l, throws_after_a_sleep(l, freed));
  l.run();
  CHECK(r.count == 1);
  CHECK(r.what == "late boom");
  CHECK(freed == 1);
}

TEST_CASE("an exception escaping a spawned task<int> reaches the loop's handler") {
  loop l;
  reports r;
  r.watch(l);
  int freed = 0;
  spawn(l, throws_from_a_value_task(freed));
  l.run();
  CHECK(r.count == 1);
  CHECK(r.what == "value boom");
  CHECK(freed == 1);
}

TEST_CASE("an exception escaping a spawned lambda's task reaches the loop's handler") {
  loop l;
  reports r;
  r.watch(l);
  spawn(l, [tag = std::string("lambda boom")]() -> task<void> {
    co_await sleep_for(*loop::current(), 1ms);
    throw std::runtime_error(tag);
  });
  l.run();
  CHECK(r.count == 1);
  CHECK(r.what == "lambda boom");
}

TEST_CASE("spawning an empty task does nothing") {
  loop l;
  spawn(l, task<void>{});
  l.run();
}

TEST_CASE("a loop destroyed before it ran frees the frames of the tasks spawned on it") {
  int ran = 0, freed = 0;
  {
    loop l;
    for (int i = 0; i < 3; ++i) spawn(l, finishes_at_once(ran, freed));
  }
  // The drain may start them (they then end at once) or free them unstarted;
  // either way every frame goes exactly once.
  CHECK(freed == 3);
}

TEST_CASE("destroying a loop ends the detached tasks still waiting on it, and frees their frames") {
  int freed = 0, cancelled = 0, suspended = 0;
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  {
    loop l;
    spawn(l, [&]() -> task<void> {
      frame_guard g{freed};
      ++suspended;
      if ((co_await sleep_for(l, 1h)) == std::errc::operation_canceled) ++cancelled;
    });
    spawn(l, [&]() -> task<void> {
      frame_guard g{freed};
      stream_socket s(l, pair[0]);
      ++suspended;
      auto [ec, chunk] = co_await s.receive();  // the peer stays silent
      if (ec == std::errc::operation_canceled) ++cancelled;
    });
    for (int i = 0; i < 100 && suspended < 2; ++i) {
      l.post([] {});  // keeps the turn from sleeping on the hour-long timer
      l.run_once();
    }
    REQUIRE(suspended == 2);
  }
  CHECK(cancelled == 2);
  CHECK(freed == 2);
  ::close(pair[1]);
}
