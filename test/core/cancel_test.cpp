// Cancellation through std::stop_token: ECANCELED, no leaked descriptor,
// and the loop still exits.
#include <coronet/error.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stop_token>
#include <thread>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {
// Requests stop after `d` on the loop.
void stop_after(loop& l, std::stop_source& src, std::chrono::milliseconds d) {
  spawn(l, [&l, &src, d]() -> task<void> {
    co_await sleep_for(l, d);
    src.request_stop();
  });
}
}  // namespace

TEST_CASE("cancelling a pending accept completes it with ECANCELED") {
  int fds_before = test::open_fd_count();
  {
    loop l;
    auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
    std::stop_source src;
    stop_after(l, src, 5ms);
    auto r = test::run(l, [&]() -> task<result<stream_socket>> { co_return co_await srv.accept(src.get_token()); });
    CHECK(error_name(r.ec) == "ECANCELED");
    // The listener still works after a cancelled accept.
    auto at = *srv.local_endpoint();
    auto accepted = test::run(l, [&]() -> task<bool> {
      spawn(l, [&]() -> task<void> { auto c = co_await connect(l, at); });
      auto [aec, s] = co_await srv.accept();
      co_return !aec && s.is_open();
    });
    CHECK(accepted);
  }
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("cancelling a pending connect completes it with ECANCELED and leaks no descriptor") {
  int fds_before = test::open_fd_count();
  {
    loop l;
    // A listener with a full backlog that never accepts: a TCP connect to it
    // stays pending (the SYN is dropped) until cancelled.
    auto srv = test::listen(l, endpoint::loopback(AF_INET, 0), {.backlog = 0});
    auto at = *srv.local_endpoint();
    std::vector<stream_socket> fillers;
    for (int i = 0; i < 4; ++i) {
      auto s = stream_socket::open(l, AF_INET);
      REQUIRE(s);
      ::connect(s->native_handle(), at.data(), at.size());  // non-blocking: fills the backlog
      fillers.push_back(std::move(*s));
    }
    std::stop_source src;
    stop_after(l, src, 50ms);
    auto r = test::run(l, [&] { return connect(l, at, src.get_token()); });
    CHECK(error_name(r.ec) == "ECANCELED");
    CHECK_FALSE(r.value.is_open());
  }
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("cancelling a pending read completes it with ECANCELED and the socket stays usable") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto at = *srv.local_endpoint();
  stream_socket server_side;
  spawn(l, [&]() -> task<void> {
    auto r = co_await srv.accept();
    server_side = std::move(r.value);
  });
  test::run(l, [&]() -> task<void> {
    auto [cec, c] = co_await connect(l, at);
    REQUIRE_FALSE(cec);
    char buf[8];
    {
      std::stop_source src;
      stop_after(l, src, 5ms);
      auto r = co_await c.read_some(std::as_writable_bytes(std::span(buf)), src.get_token());
      CHECK(error_name(r.ec) == "ECANCELED");
    }
    {
      std::stop_source src;
      stop_after(l, src, 5ms);
      auto r = co_await c.receive(src.get_token());
      CHECK(error_name(r.ec) == "ECANCELED");
    }
    // Data sent after the cancellation still arrives.
    co_await server_side.write_all(std::as_bytes(std::span("ok", 2)));
    auto r = co_await c.receive();
    REQUIRE_FALSE(r.ec);
    CHECK(std::string(reinterpret_cast<const char*>(r.value.data()), r.value.size()) == "ok");
    server_side.close();
  });
}

TEST_CASE("a stop requested before the operation starts completes it at once") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  std::stop_source src;
  src.request_stop();
  auto r = test::run(l, [&]() -> task<result<stream_socket>> { co_return co_await srv.accept(src.get_token()); });
  CHECK(error_name(r.ec) == "ECANCELED");
}

TEST_CASE("a stop requested from another thread cancels a pending read") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  std::stop_source src;
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    src.request_stop();
  });
  auto r = test::run(l, [&]() -> task<result<stream_socket>> { co_return co_await srv.accept(src.get_token()); });
  other.join();
  CHECK(error_name(r.ec) == "ECANCELED");
}

TEST_CASE("cancelling a sleep completes it early with ECANCELED") {
  loop l;
  std::stop_source src;
  stop_after(l, src, 5ms);
  auto start = std::chrono::steady_clock::now();
  auto ec = test::run(l, [&]() -> task<std::error_code> { co_return co_await sleep_for(l, 10s, src.get_token()); });
  CHECK(error_name(ec) == "ECANCELED");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a stop request never resumes the waiting coroutine inside request_stop") {
  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  std::stop_source src;
  bool resumed = false;
  bool resumed_inside = false;
  spawn(l, [&]() -> task<void> {
    co_await srv.accept(src.get_token());
    resumed = true;
  });
  spawn(l, [&]() -> task<void> {
    co_await sleep_for(l, 5ms);
    src.request_stop();
    resumed_inside = resumed;
  });
  l.run();
  CHECK(resumed);
  CHECK_FALSE(resumed_inside);
}
