// when_all: every child's result, in order; exceptions after all finished;
// constant stack for children that complete at once.
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>
#include <coronet/when_all.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// Counts live child frames: one lives in each child's body.
struct frame_counter {
  int& alive;
  explicit frame_counter(int& n) : alive(n) { ++alive; }
  ~frame_counter() { --alive; }
};

task<int> one() { co_return 1; }

task<int> after(loop& l, std::chrono::milliseconds d, int value, std::vector<int>& finished, int& alive) {
  frame_counter c(alive);
  co_await sleep_for(l, d);
  finished.push_back(value);
  co_return value;
}

task<std::string> text_after(loop& l, std::chrono::milliseconds d, std::vector<int>& finished) {
  co_await sleep_for(l, d);
  finished.push_back(2);
  co_return std::string("two, long enough not to fit in a small string buffer");
}

task<void> nothing_after(loop& l, std::chrono::milliseconds d, std::vector<int>& finished) {
  co_await sleep_for(l, d);
  finished.push_back(3);
}

task<int> throw_after(loop& l, std::chrono::milliseconds d, const char* what) {
  co_await sleep_for(l, d);
  throw std::runtime_error(what);
}
}  // namespace

TEST_CASE("results come back in argument order, whatever order the children finish in") {
  loop l;
  std::vector<int> finished;
  int alive = 0;
  auto [a, b, c] = test::run(l, [&]() -> task<std::tuple<int, std::string, void_result>> {
    co_return co_await when_all(after(l, 30ms, 1, finished, alive), text_after(l, 10ms, finished),
                                nothing_after(l, 20ms, finished));
  });
  CHECK(a == 1);
  CHECK(b == "two, long enough not to fit in a small string buffer");
  CHECK(c == void_result{});
  CHECK(finished == std::vector<int>{2, 3, 1});
}

TEST_CASE("children start in order, each running until its first suspension") {
  loop l;
  std::vector<std::string> log;
  auto child = [&](const char* name) -> task<void> {
    log.push_back(std::string(name) + " starts");
    co_await sleep_for(l, 1ms);
    log.push_back(std::string(name) + " ends");
  };
  test::run(l, [&]() -> task<void> {
    log.push_back("parent awaits");
    co_await when_all(child("a"), child("b"));
    log.push_back("parent resumes");
  });
  CHECK(log == std::vector<std::string>{"parent awaits", "a starts", "b starts", "a ends", "b ends", "parent resumes"});
}

TEST_CASE("the parent resumes only after the last child, and no child frame is left") {
  loop l;
  std::vector<int> finished;
  int alive = 0;
  test::run(l, [&]() -> task<void> {
    auto [x, y] = co_await when_all(after(l, 5ms, 1, finished, alive), after(l, 25ms, 2, finished, alive));
    CHECK(finished.size() == 2);
    CHECK(alive == 0);
    CHECK(x + y == 3);
  });
}

TEST_CASE("an exception is rethrown after every child has finished, and the first one thrown wins") {
  loop l;
  std::vector<int> finished;
  int alive = 0;
  std::string what;
  test::run(l, [&]() -> task<void> {
    try {
      co_await when_all(throw_after(l, 20ms, "second"), throw_after(l, 5ms, "first"),
                        after(l, 40ms, 3, finished, alive));
    } catch (const std::runtime_error& e) {
      what = e.what();
      CHECK(finished == std::vector<int>{3});  // the slow child was awaited
    }
  });
  CHECK(what == "first");
}

TEST_CASE("the range form gives a vector in the order of the tasks") {
  loop l;
  std::vector<int> finished;
  int alive = 0;
  auto values = test::run(l, [&]() -> task<std::vector<int>> {
    std::vector<task<int>> tasks;
    for (int i = 0; i < 5; ++i) tasks.push_back(after(l, std::chrono::milliseconds(10 - 2 * i), i, finished, alive));
    co_return co_await when_all(std::move(tasks));
  });
  CHECK(values == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(finished == std::vector<int>{4, 3, 2, 1, 0});
  CHECK(alive == 0);
}

TEST_CASE("the range form rethrows the first exception after all finished") {
  loop l;
  std::string what;
  test::run(l, [&]() -> task<void> {
    std::vector<task<int>> tasks;
    tasks.push_back(throw_after(l, 10ms, "late"));
    tasks.push_back(one());
    tasks.push_back(throw_after(l, 1ms, "early"));
    try {
      co_await when_all(std::move(tasks));
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
  });
  CHECK(what == "early");
}

TEST_CASE("no children: an empty tuple or vector at once") {
  loop l;
  auto n = test::run(l, []() -> task<std::size_t> {
    co_await when_all();
    auto v = co_await when_all(std::vector<task<int>>{});
    co_return v.size();
  });
  CHECK(n == 0);
}

TEST_CASE("a million synchronously completing children in a range run in constant stack") {
  loop l;
  long total = test::run(l, []() -> task<long> {
    std::vector<task<int>> tasks;
    tasks.reserve(1'000'000);
    for (int i = 0; i < 1'000'000; ++i) tasks.push_back(one());
    long sum = 0;
    for (int v : co_await when_all(std::move(tasks))) sum += v;
    co_return sum;
  });
  CHECK(total == 1'000'000);
}

TEST_CASE("a million when_alls of synchronous children in a loop run in constant stack") {
  loop l;
  long total = test::run(l, []() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 1'000'000; ++i) {
      auto [a, b] = co_await when_all(one(), one());
      sum += a + b;
    }
    co_return sum;
  });
  CHECK(total == 2'000'000);
}
