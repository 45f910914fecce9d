// when_any: the first child to finish wins, the losers see their stop token
// and are awaited before the parent resumes.
#include <coronet/error.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>
#include <coronet/when_any.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
struct frame_counter {
  int& alive;
  explicit frame_counter(int& n) : alive(n) { ++alive; }
  ~frame_counter() { --alive; }
};

// What a sleeping child saw.
struct sleeper_log {
  int alive = 0;
  int started = 0;
  int cancelled = 0;
  int finished = 0;
};

// A factory: sleeps `d` with the child's token and returns `value`.
auto sleeper(loop& l, sleeper_log& log, std::chrono::milliseconds d, int value) {
  return [&l, &log, d, value](std::stop_token token) -> task<int> {
    frame_counter c(log.alive);
    ++log.started;
    auto ec = co_await sleep_for(l, d, token);
    if (ec == std::errc::operation_canceled) ++log.cancelled;
    ++log.finished;
    co_return value;
  };
}

using clock = std::chrono::steady_clock;
}  // namespace

TEST_CASE("the first child to finish wins; the losers see their token and finish before the parent resumes") {
  loop l;
  sleeper_log log;
  auto t0 = clock::now();
  auto r = test::run(l, [&]() -> task<when_any_result<int>> {
    auto w = co_await when_any({}, sleeper(l, log, 10s, 0), sleeper(l, log, 10ms, 1), sleeper(l, log, 20s, 2));
    CHECK(log.finished == 3);  // every loser is done by now
    CHECK(log.alive == 0);
    co_return w;
  });
  CHECK(r.index == 1);
  CHECK(r.value == 1);
  CHECK(log.cancelled == 2);
  CHECK(clock::now() - t0 < 5s);
}

TEST_CASE("a child that finishes at once wins, and later children never start") {
  loop l;
  sleeper_log log;
  int made = 0;
  auto r = test::run(l, [&]() -> task<when_any_result<int>> {
    co_return co_await when_any(
        {}, sleeper(l, log, 10s, 0),
        [&](std::stop_token) -> task<int> {
          ++made;
          co_return 7;
        },
        [&](std::stop_token) -> task<int> {
          ++made;
          co_return 8;
        });
  });
  CHECK(r.index == 1);
  CHECK(r.value == 7);
  CHECK(made == 1);
  CHECK(log.cancelled == 1);
}

TEST_CASE("a winner's exception is rethrown after the losers finished") {
  loop l;
  sleeper_log log;
  std::string what;
  test::run(l, [&]() -> task<void> {
    try {
      co_await when_any({}, sleeper(l, log, 10s, 0), [&](std::stop_token t) -> task<int> {
        co_await sleep_for(l, 5ms, t);
        throw std::runtime_error("winner threw");
      });
    } catch (const std::runtime_error& e) {
      what = e.what();
      CHECK(log.finished == 1);
    }
  });
  CHECK(what == "winner threw");
  CHECK(log.cancelled == 1);
}

TEST_CASE("a loser's exception is dropped") {
  loop l;
  auto r = test::run(l, [&]() -> task<when_any_result<void_result>> {
    co_return co_await when_any(
        {},
        [&](std::stop_token t) -> task<void> {
          co_await sleep_for(l, 10s, t);
          throw std::runtime_error("loser threw");
        },
        [&](std::stop_token t) -> task<void> { co_await sleep_for(l, 1ms, t); });
  });
  CHECK(r.index == 1);
}

TEST_CASE("an outer stop request stops every child") {
  loop l;
  sleeper_log log;
  std::stop_source outer;
  spawn(l, [&]() -> task<void> {
    co_await sleep_for(l, 10ms);
    outer.request_stop();
  });
  auto t0 = clock::now();
  test::run(l, [&]() -> task<void> {
    co_await when_any(outer.get_token(), sleeper(l, log, 10s, 0), sleeper(l, log, 20s, 1));
  });
  CHECK(log.cancelled == 2);
  CHECK(log.alive == 0);
  CHECK(clock::now() - t0 < 5s);
}

TEST_CASE("an outer stop requested from another thread stops every child") {
  loop l;
  sleeper_log log;
  std::stop_source outer;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    outer.request_stop();
  });
  test::run(l, [&]() -> task<void> {
    co_await when_any(outer.get_token(), sleeper(l, log, 10s, 0), sleeper(l, log, 20s, 1));
  });
  CHECK(log.cancelled == 2);
}

TEST_CASE("an outer stop requested before the co_await stops the children at once") {
  loop l;
  sleeper_log log;
  std::stop_source outer;
  outer.request_stop();
  auto r = test::run(l, [&]() -> task<when_any_result<int>> {
    co_return co_await when_any(outer.get_token(), sleeper(l, log, 10s, 0), sleeper(l, log, 20s, 1));
  });
  CHECK(r.index == 0);  // sleep_for with a stopped token does not suspend
  CHECK(log.started == 1);
  CHECK(log.cancelled == 1);
}

TEST_CASE("the range form takes a vector of factories") {
  loop l;
  sleeper_log log;
  std::vector<std::function<task<int>(std::stop_token)>> factories;
  for (int i = 0; i < 5; ++i) factories.push_back(sleeper(l, log, std::chrono::milliseconds(i == 3 ? 5 : 10'000), i));
  auto r = test::run(l, [&]() -> task<when_any_result<int>> { co_return co_await when_any({}, std::move(factories)); });
  CHECK(r.index == 3);
  CHECK(r.value == 3);
  CHECK(log.started == 5);
  CHECK(log.cancelled == 4);
  CHECK(log.alive == 0);
}

// g++ 12 destroys a lambda made inside a co_await expression twice when it
// holds a std::string (a compiler bug, not when_any's; see the README), so
// these factories are named first, as users must on g++ 12.
TEST_CASE("factories keep their captured strings until the co_await ends") {
  loop l;
  std::string long_text(100, 'x');
  auto r = test::run(l, [&]() -> task<when_any_result<std::string>> {
    auto first = [text = long_text + "0"](std::stop_token) -> task<std::string> { co_return text; };
    auto second = [text = long_text + "1"](std::stop_token) -> task<std::string> { co_return text; };
    co_return co_await when_any({}, std::move(first), std::move(second));
  });
  CHECK(r.index == 0);
  CHECK(r.value == long_text + "0");
}

TEST_CASE("a loser blocked in a socket read completes with ECANCELED") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  std::error_code read_ec;
  auto r = test::run(l, [&]() -> task<when_any_result<int>> {
    auto c = co_await connect(l, at);
    REQUIRE(!c.ec);
    auto accepted = co_await srv.accept();
    REQUIRE(!accepted.ec);
    co_return co_await when_any(
        {},
        [&](std::stop_token t) -> task<int> {
          auto [ec, chunk] = co_await accepted.value.receive(t);  // the peer never writes
          read_ec = ec;
          co_return 0;
        },
        [&](std::stop_token t) -> task<int> {
          co_await sleep_for(l, 5ms, t);
          co_return 1;
        });
  });
  CHECK(r.index == 1);
  CHECK(error_name(read_ec) == "ECANCELED");
}

TEST_CASE("a million when_anys of synchronous children in a loop run in constant stack") {
  loop l;
  long total = test::run(l, []() -> task<long> {
    long sum = 0;
    auto now = [](std::stop_token) -> task<int> { co_return 1; };
    for (int i = 0; i < 1'000'000; ++i) sum += (co_await when_any({}, now, now)).value;
    co_return sum;
  });
  CHECK(total == 1'000'000);
}
