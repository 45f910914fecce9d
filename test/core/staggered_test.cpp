// staggered_any: child i+1 starts after the delay or when child i fails; the
// first success wins, the rest are stopped and awaited; all failures come
// back when nothing succeeds.
#include <coronet/error.hpp>
#include <coronet/loop.hpp>
#include <coronet/result.hpp>
#include <coronet/spawn.hpp>
#include <coronet/staggered_any.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {
using clock = std::chrono::steady_clock;
using attempt = std::function<task<result<int>>(std::stop_token)>;

// What the attempts of one race saw.
struct race_log {
  clock::time_point t0 = clock::now();
  std::vector<milliseconds> started;  // per attempt, since t0 (0 when never started)
  int alive = 0;
  int cancelled = 0;

  explicit race_log(std::size_t n) : started(n, milliseconds(-1)) {}
  milliseconds since_t0() const { return std::chrono::duration_cast<milliseconds>(clock::now() - t0); }
};

struct frame_counter {
  int& alive;
  explicit frame_counter(int& n) : alive(n) { ++alive; }
  ~frame_counter() { --alive; }
};

// Attempt i: takes `d`, then succeeds with i or fails with `fail_with`.
attempt make_attempt(loop& l, race_log& log, std::size_t i, milliseconds d, int fail_with = 0) {
  return [&l, &log, i, d, fail_with](std::stop_token token) -> task<result<int>> {
    frame_counter c(log.alive);
    log.started[i] = log.since_t0();
    if (d.count() > 0) {
      if (auto ec = co_await sleep_for(l, d, token)) {
        ++log.cancelled;
        co_return result<int>{ec, 0};
      }
    }
    if (fail_with) co_return result<int>{errno_code(fail_with), 0};
    co_return result<int>{{}, static_cast<int>(i)};
  };
}
}  // namespace

TEST_CASE("the next child starts after the delay when the one before is slow") {
  loop l;
  race_log log(3);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 10s), make_attempt(l, log, 1, 10ms),
                                make_attempt(l, log, 2, 10s)};
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    auto out = co_await staggered_any(l, 50ms, {}, std::move(attempts));
    CHECK(log.alive == 0);  // the loser was stopped and awaited
    co_return out;
  });
  REQUIRE(r);
  CHECK(r.winner->index == 1);
  CHECK(r.winner->value.value == 1);
  CHECK(log.started[1] >= 50ms);
  CHECK(log.started[2] == milliseconds(-1));  // the winner finished before its turn
  CHECK(log.cancelled == 1);
  CHECK(log.since_t0() < 5s);
}

TEST_CASE("a failure starts the next child at once") {
  loop l;
  race_log log(2);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 10ms, ECONNREFUSED), make_attempt(l, log, 1, 10ms)};
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    co_return co_await staggered_any(l, 10s, {}, std::move(attempts));
  });
  REQUIRE(r);
  CHECK(r.winner->index == 1);
  CHECK(log.started[1] < 5s);
  CHECK(log.since_t0() < 5s);  // the pacer's long sleep did not hold the parent
}

TEST_CASE("a child that fails at once starts the next in the same turn") {
  loop l;
  race_log log(3);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 0ms, ECONNREFUSED), make_attempt(l, log, 1, 0ms, EHOSTUNREACH),
                                make_attempt(l, log, 2, 0ms)};
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    co_return co_await staggered_any(l, 10s, {}, std::move(attempts));
  });
  REQUIRE(r);
  CHECK(r.winner->index == 2);
  CHECK(log.since_t0() < 5s);
}

TEST_CASE("when every child fails the parent gets every failure, in order") {
  loop l;
  race_log log(3);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 30ms, ECONNREFUSED), make_attempt(l, log, 1, 1ms, ENETUNREACH),
                                make_attempt(l, log, 2, 5ms, ETIMEDOUT)};
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    co_return co_await staggered_any(l, 10ms, {}, std::move(attempts));
  });
  CHECK_FALSE(r);
  REQUIRE(r.failures.size() == 3);
  CHECK(error_name(r.failures[0].ec) == "ECONNREFUSED");
  CHECK(error_name(r.failures[1].ec) == "ENETUNREACH");
  CHECK(error_name(r.failures[2].ec) == "ETIMEDOUT");
  CHECK(log.cancelled == 0);
  CHECK(log.alive == 0);
}

TEST_CASE("the winner's rivals are stopped and awaited, and nothing starts after a win") {
  loop l;
  race_log log(4);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 10s), make_attempt(l, log, 1, 10s),
                                make_attempt(l, log, 2, 30ms), make_attempt(l, log, 3, 10s)};
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    auto out = co_await staggered_any(l, 10ms, {}, std::move(attempts));
    CHECK(log.alive == 0);
    co_return out;
  });
  REQUIRE(r);
  CHECK(r.winner->index == 2);
  CHECK(log.cancelled == 3);  // 0, 1 and 3 (started 10 ms after 2)
  CHECK(log.since_t0() < 5s);
}

TEST_CASE("an exception ends the race and is rethrown after the others finished") {
  loop l;
  race_log log(2);
  std::vector<attempt> attempts{make_attempt(l, log, 0, 10s), [&](std::stop_token t) -> task<result<int>> {
                                  co_await sleep_for(l, 1ms, t);
                                  throw std::runtime_error("attempt threw");
                                }};
  std::string what;
  test::run(l, [&]() -> task<void> {
    try {
      co_await staggered_any(l, 1ms, {}, std::move(attempts));
    } catch (const std::runtime_error& e) {
      what = e.what();
      CHECK(log.alive == 0);
    }
  });
  CHECK(what == "attempt threw");
  CHECK(log.cancelled == 1);
}

TEST_CASE("an outer stop stops the running children and starts no more") {
  loop l;
  race_log log(5);
  std::vector<attempt> attempts;
  for (std::size_t i = 0; i < 5; ++i) attempts.push_back(make_attempt(l, log, i, 10s));
  std::stop_source outer;
  spawn(l, [&]() -> task<void> {
    co_await sleep_for(l, 150ms);
    outer.request_stop();
  });
  auto r = test::run(l, [&]() -> task<staggered_result<result<int>>> {
    co_return co_await staggered_any(l, 100ms, outer.get_token(), std::move(attempts));
  });
  CHECK_FALSE(r);
  REQUIRE(r.failures.size() == 2);  // started at 0 and 100 ms
  CHECK(error_name(r.failures[0].ec) == "ECANCELED");
  CHECK(error_name(r.failures[1].ec) == "ECANCELED");
  CHECK(log.started[2] == milliseconds(-1));
  CHECK(log.since_t0() < 5s);
}

TEST_CASE("a caller's predicate says what failed") {
  loop l;
  std::vector<std::function<task<int>(std::stop_token)>> attempts;
  for (int v : {-1, -2, 3}) attempts.push_back([v](std::stop_token) -> task<int> { co_return v; });
  auto r = test::run(l, [&]() -> task<staggered_result<int>> {
    co_return co_await staggered_any(l, 10s, {}, std::move(attempts), [](int v) { return v < 0; });
  });
  REQUIRE(r);
  CHECK(r.winner->index == 2);
  CHECK(r.winner->value == 3);
}

TEST_CASE("a million children that fail at once run in constant stack") {
  loop l;
  std::vector<std::function<task<int>(std::stop_token)>> attempts(1'000'000,
                                                                  [](std::stop_token) -> task<int> { co_return -1; });
  auto r = test::run(l, [&]() -> task<staggered_result<int>> {
    co_return co_await staggered_any(l, 10s, {}, std::move(attempts), [](int v) { return v < 0; });
  });
  CHECK_FALSE(r);
  CHECK(r.failures.size() == 1'000'000);
}
