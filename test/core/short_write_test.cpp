// write_all keeps going after a short sendmsg: a gathered write of far more
// than the socket buffers hold (tiny SO_SNDBUF and SO_RCVBUF) to a peer that
// reads slowly is cut into many partial sends, some ending inside a buffer,
// some on a buffer's edge. Every byte must arrive, in order, exactly once.
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <sys/socket.h>

#include "../half_close_driver.hpp"
#include "../test_util.hpp"

using namespace coronet;

namespace {

void set_buffer(int fd, int option, int bytes) { ::setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes); }

// Writes `sizes` (one buffer each, cut from one pattern) in one gathered
// write_all and checks what a slow reader gets.
void gathered_write_to_slow_reader(const std::vector<std::size_t>& sizes) {
  std::size_t total = 0;
  for (auto n : sizes) total += n;
  const auto data = test::make_pattern(total, 7);
  std::vector<const_buffer> buffers;
  for (std::size_t at = 0; auto n : sizes) {
    buffers.push_back(const_buffer(data).subspan(at, n));
    at += n;
  }

  loop l;
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0));
  auto where = *srv.local_endpoint();
  std::size_t received = 0, first_wrong = SIZE_MAX;
  bool eof = false;
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    REQUIRE_FALSE(aec);
    set_buffer(s.native_handle(), SO_RCVBUF, 16384);
    std::vector<std::byte> buf(1500);
    for (int reads = 0;; ++reads) {
      if (reads < 50) co_await sleep_for(l, std::chrono::microseconds(500));  // slow at first
      auto [ec, n] = co_await s.read_some(buf);
      REQUIRE_FALSE(ec);
      if (n == 0) {
        eof = true;
        break;
      }
      for (std::size_t i = 0; i < n && first_wrong == SIZE_MAX; ++i)
        if (buf[i] != data[received + i]) first_wrong = received + i;
      received += n;
      if (received > total) break;
    }
  });
  test::run(l, [&]() -> task<void> {
    auto opened = stream_socket::open(l, AF_INET);
    REQUIRE_FALSE(opened.ec);
    stream_socket c = std::move(opened.value);
    set_buffer(c.native_handle(), SO_SNDBUF, 8192);
    REQUIRE_FALSE(co_await c.connect(where));
    auto [ec, n] = co_await c.write_all(std::span<const const_buffer>(buffers));
    CHECK_FALSE(ec);
    CHECK(n == total);
    CHECK_FALSE(c.shutdown());
    // Stay open until the reader is done, so nothing is reset.
    while (!eof && received <= total) co_await sleep_for(l, std::chrono::milliseconds(1));
  });
  CHECK(eof);
  CHECK(received == total);
  CHECK(first_wrong == SIZE_MAX);
}

}  // namespace

TEST_CASE("a gathered write larger than the socket buffers arrives whole despite short sends") {
  gathered_write_to_slow_reader({100'000, 1, 65'536, 3, 250'000, 4096, 77'777, 1});
}

TEST_CASE("a gathered write of more buffers than one system call takes arrives whole") {
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 40; ++i) sizes.push_back(static_cast<std::size_t>(1 + (i * 7919) % 30'000));
  gathered_write_to_slow_reader(sizes);
}
