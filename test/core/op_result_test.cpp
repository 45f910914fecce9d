// Each op type carries its own results: a receive hands over where its bytes
// are (no call back into the backend), a sleep is a plain ready-queue record
// that a stop request from any thread still ends. Also keeps the op and
// awaitable sizes from growing: they live in every coroutine frame that
// awaits them.
#include <coronet/error.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <span>
#include <stop_token>
#include <string>
#include <thread>

#include "../test_util.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

std::string text_of(const receive_buffer& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

const_buffer bytes_of(const char* s, std::size_t n) { return std::as_bytes(std::span(s, n)); }

}  // namespace

TEST_CASE("a receive hands over the address and length of its bytes, also for chunks that waited") {
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
    co_await sleep_for(l, 5ms);  // accepted
    REQUIRE(server_side.is_open());
    // A receive that waits: the result arrives with the buffer.
    co_await server_side.write_all(bytes_of("first", 5));
    auto first = co_await c.receive();
    REQUIRE_FALSE(first.ec);
    CHECK(text_of(first.value) == "first");
    // Chunks that arrive while nobody waits (io_uring queues them) are
    // handed over inline, each with its own buffer.
    for (const char* s : {"ab", "cd", "ef"}) {
      co_await server_side.write_all(bytes_of(s, 2));
      co_await sleep_for(l, 2ms);
    }
    std::string got;
    std::vector<receive_buffer> held;  // all held at once: distinct buffers
    while (got.size() < 6) {
      auto r = co_await c.receive();
      REQUIRE_FALSE(r.ec);
      REQUIRE(r.value.size() > 0);
      got += text_of(r.value);
      held.push_back(std::move(r.value));
    }
    CHECK(got == "abcdef");
    for (std::size_t i = 1; i < held.size(); ++i) CHECK(held[i].data() != held[i - 1].data());
    CHECK(text_of(first.value) == "first");  // still intact
    server_side.close();
    auto end = co_await c.receive();
    CHECK_FALSE(end.ec);
    CHECK(end.value.size() == 0);
  });
}

TEST_CASE("a sleep stopped from another thread ends early with ECANCELED") {
  loop l;
  std::stop_source src;
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    src.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  auto ec = test::run(l, [&]() -> task<std::error_code> { co_return co_await sleep_for(l, 10s, src.get_token()); });
  other.join();
  CHECK(error_name(ec) == "ECANCELED");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // The loop is still fine for the next sleep.
  CHECK_FALSE(test::run(l, [&]() -> task<std::error_code> { co_return co_await sleep_for(l, 1ms); }));
}

TEST_CASE("a sleep that fired is not cancelled by a later stop request") {
  loop l;
  std::stop_source src;
  auto ec = test::run(l, [&]() -> task<std::error_code> {
    auto e = co_await sleep_for(l, 1ms, src.get_token());
    src.request_stop();  // after the fact: nothing to cancel
    co_return e;
  });
  CHECK_FALSE(ec);
}

// Sizes on x86-64 with libstdc++ after each op got its own type (before, in
// parentheses, one io_op for all): recv_op 72 (io_op 104), accept 192 (240),
// connect 344 (376), read_some 208 (240), receive 208 (240), write_all 432
// (472), sleep_for 216 (280).
TEST_CASE("ops and awaitables do not grow") {
  MESSAGE("accept_op " << sizeof(detail::accept_op) << ", connect_op " << sizeof(detail::connect_op) << ", recv_op "
                       << sizeof(detail::recv_op) << ", receive_op " << sizeof(detail::receive_op) << ", send_op "
                       << sizeof(detail::send_op));
  MESSAGE("accept " << sizeof(listener::accept_awaitable) << ", connect " << sizeof(stream_socket::connect_awaitable)
                    << ", read_some " << sizeof(stream_socket::read_awaitable) << ", receive "
                    << sizeof(stream_socket::receive_awaitable) << ", write_all "
                    << sizeof(stream_socket::write_awaitable) << ", sleep_for " << sizeof(sleep_awaitable));
  if constexpr (sizeof(void*) == 8) {
    CHECK(sizeof(detail::accept_op) <= 56);
    CHECK(sizeof(detail::connect_op) <= 72);
    CHECK(sizeof(detail::recv_op) <= 72);
    CHECK(sizeof(detail::receive_op) <= 72);
    CHECK(sizeof(detail::send_op) <= 64);
    CHECK(sizeof(listener::accept_awaitable) <= 192);
    CHECK(sizeof(stream_socket::connect_awaitable) <= 344);
    CHECK(sizeof(stream_socket::read_awaitable) <= 208);
    CHECK(sizeof(stream_socket::receive_awaitable) <= 208);
    CHECK(sizeof(stream_socket::write_awaitable) <= 432);
    CHECK(sizeof(sleep_awaitable) <= 216);
  }
}
