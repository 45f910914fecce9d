// The client half of the half-close attack tests: against an echo server it
// sends N patterned bytes, ends its side at once (SHUT_WR) and reads the echo
// concurrently, slowly at first, so the server's write back is blocked on a
// full socket buffer when the FIN reaches it. Every byte is checked, then EOF.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace coronet::test {

// A byte that depends on its offset and on the run, so a lost, repeated or
// reordered stretch never matches.
inline std::byte pattern_at(std::size_t i, std::uint32_t seed) noexcept {
  auto x = static_cast<std::uint32_t>(i) * 2654435761u + seed * 40503u;
  return static_cast<std::byte>((x >> 24) ^ (x >> 8) ^ static_cast<std::uint32_t>(i >> 12));
}

inline std::vector<std::byte> make_pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = pattern_at(i, seed);
  return v;
}

// What one run saw; `verified` means every byte came back in order, then EOF.
struct half_close_outcome {
  std::size_t received = 0;
  std::size_t first_mismatch = SIZE_MAX;
  std::string error;  // a read or write error, if any
  bool eof = false;
  bool verified(std::size_t n) const { return error.empty() && eof && received == n && first_mismatch == SIZE_MAX; }
};

// Sends `n` bytes to the echo server at `at`, shuts down the write side and
// reads everything back. The client's receive buffer is kept small and the
// first reads are slow, so the server's echo is blocked when the FIN arrives.
inline task<half_close_outcome> half_close_round(loop& l, endpoint at, std::size_t n, std::uint32_t seed) {
  half_close_outcome out;
  auto opened = stream_socket::open(l, at.family());
  if (opened.ec) {
    out.error = "open: " + opened.ec.message();
    co_return out;
  }
  stream_socket c = std::move(opened.value);
  int small = 8192;
  ::setsockopt(c.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  if (auto ec = co_await c.connect(at)) {
    out.error = "connect: " + ec.message();
    co_return out;
  }
  auto data = make_pattern(n, seed);
  bool written = false;
  std::string write_error;
  spawn(l, [&]() -> task<void> {
    auto [ec, k] = co_await c.write_all(data);
    if (ec || k != n) write_error = "write: " + ec.message() + " after " + std::to_string(k);
    if (auto sec = c.shutdown()) write_error = "shutdown: " + sec.message();
    written = true;
  });
  std::vector<std::byte> buf(64 * 1024);
  for (int slow = 0;; ++slow) {
    // Slowly at first: small reads with pauses let the echo back up.
    // A slow start long enough for the FIN to reach the server meanwhile.
    const bool slow_phase = slow < 40;
    if (slow_phase) co_await sleep_for(l, std::chrono::milliseconds(1));
    auto into = std::span(buf);
    auto [ec, k] = co_await c.read_some(into);
    if (ec) {
      out.error = "read: " + ec.message();
      break;
    }
    if (k == 0) {
      out.eof = true;
      break;
    }
    for (std::size_t i = 0; i < k && out.first_mismatch == SIZE_MAX; ++i)
      if (buf[i] != pattern_at(out.received + i, seed)) out.first_mismatch = out.received + i;
    out.received += k;
  }
  while (!written) co_await sleep_for(l, std::chrono::milliseconds(1));
  if (out.error.empty() && !write_error.empty()) out.error = write_error;
  co_return out;
}

// The echo these tests attack, as samples/echo does it: receive, write all
// back; at the end of the stream end our side too.
inline task<void> echo_until_end(stream_socket s) {
  for (;;) {
    auto [ec, chunk] = co_await s.receive();
    if (ec || chunk.empty()) break;
    if ((co_await s.write_all(chunk.bytes())).ec) co_return;  // the client sees it short
  }
  s.shutdown();
}

// Sizes from 1 B to 16 MiB: the edges of a buffer, of the socket buffers
// and of the echo's receive chunks, and a few large ones.
inline std::vector<std::size_t> half_close_sizes() {
  return {1, 2, 511, 4096, 16 * 1024 - 1, 16 * 1024 + 1, 64 * 1024, 200'000, 1 << 20, 3'000'001, 8 << 20, 16 << 20};
}

// Runs `rounds` passes over the sizes, `parallel` connections at a time, from
// a client loop on a thread of its own (as a real peer: its reads and FIN
// race the server's writes), while `server_loop` runs here. When the clients
// are done, `stop_server` runs on the server loop, which then runs dry.
// Returns how many runs lost or damaged bytes, and reports each.
inline int half_close_attack(loop& server_loop, const endpoint& at, int rounds, int parallel,
                             std::function<void()> stop_server) {
  const auto sizes = half_close_sizes();
  const int total = rounds * static_cast<int>(sizes.size());
  std::vector<std::string> failures;
  int done = 0;
  std::thread clients([&] {
    loop l;
    int next = 0;
    for (int w = 0; w < parallel; ++w) {
      spawn(l, [&]() -> task<void> {
        while (next < total) {
          const int i = next++;
          const std::size_t n = sizes[static_cast<std::size_t>(i) % sizes.size()];
          auto r = co_await half_close_round(l, at, n, static_cast<std::uint32_t>(i));
          if (!r.verified(n)) {
            failures.push_back(
                "run " + std::to_string(i) + ": sent " + std::to_string(n) + ", got " + std::to_string(r.received) +
                " back" + (r.eof ? " then EOF" : "") +
                (r.first_mismatch == SIZE_MAX ? "" : ", wrong from " + std::to_string(r.first_mismatch)) +
                (r.error.empty() ? "" : ", " + r.error));
          }
          ++done;
        }
      });
    }
    deadline guard(l, [&] { l.stop(); });
    guard.expires_after(std::chrono::seconds(60));
    l.run();
    server_loop.post(stop_server);
  });
  bool server_timed_out = false;
  deadline server_guard(server_loop, [&] {
    server_timed_out = true;
    server_loop.stop();
  });
  server_guard.expires_after(std::chrono::seconds(90));
  server_loop.run();
  clients.join();
  CHECK_FALSE(server_timed_out);
  for (auto& f : failures) MESSAGE(f);
  CHECK_MESSAGE(done == total, "only " << done << " of " << total << " runs finished in time");
  return static_cast<int>(failures.size());
}

}  // namespace coronet::test
