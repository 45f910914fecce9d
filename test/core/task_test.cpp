#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/task.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "../test_util.hpp"

using namespace coronet;

namespace {
task<int> one() { co_return 1; }

task<int> sum_of_ones(int n) {
  int total = 0;
  for (int i = 0; i < n; ++i) total += co_await one();
  co_return total;
}

task<void> throws() {
  throw std::runtime_error("boom");
  co_return;
}

task<int> nested(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await nested(depth - 1);
}
}  // namespace

TEST_CASE("a task does not start until it is awaited") {
  bool started = false;
  auto make = [&]() -> task<void> {
    started = true;
    co_return;
  };
  loop l;
  auto t = make();
  CHECK_FALSE(started);
  test::run(l, [&]() -> task<void> { co_await std::move(t); });
  CHECK(started);
}

TEST_CASE("a million synchronous completions do not grow the stack") {
  loop l;
  int total = test::run(l, [] { return sum_of_ones(1'000'000); });
  CHECK(total == 1'000'000);
}

TEST_CASE("deeply nested tasks return their values") {
  loop l;
  CHECK(test::run(l, [] { return nested(10'000); }) == 10'000);
}

TEST_CASE("an exception propagates to the awaiter") {
  loop l;
  std::string what;
  test::run(l, [&]() -> task<void> {
    try {
      co_await throws();
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
  });
  CHECK(what == "boom");
}

TEST_CASE("an exception escaping a detached task reaches the loop's handler") {
  loop l;
  int reported = 0;
  std::string what;
  l.set_exception_handler([&](std::exception_ptr e) {
    ++reported;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    }
  });
  spawn(l, throws());
  l.run();
  CHECK(reported == 1);
  CHECK(what == "boom");
}

TEST_CASE("spawned lambdas keep their captures alive for the whole task") {
  loop l;
  std::string out;
  {
    std::string text = "captured";
    spawn(l, [text, &out]() -> task<void> {
      co_await one();
      out = text;
    });
  }
  l.run();
  CHECK(out == "captured");
}
