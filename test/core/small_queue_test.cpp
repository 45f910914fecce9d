// small_queue, the ring the io_uring backend queues undelivered receives and
// accepted connections in: first in, first out across wrap-around and growth.
#include "uring/uring_handle.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using coronet::detail::small_queue;

TEST_CASE("a small_queue hands items back in the order they came, across wrap-around and growth") {
  small_queue<int, std::uint16_t> q;
  CHECK(q.empty());
  int next_in = 0, next_out = 0;
  // Interleaved pushes and pops move the head around the ring while it grows.
  for (int round = 1; round <= 40; ++round) {
    for (int i = 0; i < round; ++i) q.push(next_in++);
    for (int i = 0; i < round / 2; ++i) {
      REQUIRE(q.front() == next_out);
      CHECK(q.pop() == next_out++);
    }
    CHECK(q.size() == std::size_t(next_in - next_out));
  }
  while (!q.empty()) CHECK(q.pop() == next_out++);
  CHECK(next_out == next_in);
}

TEST_CASE("a small_queue refuses to grow past what its index can count") {
  small_queue<std::uint8_t, std::uint8_t> q;
  for (int i = 0; i < 128; ++i) q.push(std::uint8_t(i));
  CHECK_THROWS_AS(q.push(0), std::length_error);
  CHECK(q.size() == 128);
  CHECK(q.pop() == 0);
}
