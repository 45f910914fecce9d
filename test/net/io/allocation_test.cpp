// In steady state an echo through the node:net layer makes no heap
// allocation per message: `data` hands out a view of the received bytes and
// write() reuses the queue's storage. Counted with a replaced operator new.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "net_test_util.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too: they count, and under AddressSanitizer (which has
// its own of every form) a nothrow new the test left alone would be freed
// by the delete above, an alloc-dealloc mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace coronet;

TEST_CASE("an echo through net::socket allocates nothing per round trip") {
  static constexpr int warmup = 1'000;
  static constexpr int measured = 10'000;
  loop l;
  const std::string message(64, 'm');
  long before = 0, after = 0;
  int round_trips = 0;
  std::size_t have = 0;
  auto srv = net::create_server(l, [](net::socket& s) { s.on<"data">([&s](std::string_view d) { s.write(d); }); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::connect(l, {.port = test::port_of(*srv), .host = "127.0.0.1"});
    c->on<"connect">([&, c] { c->write(message); });
    c->on<"data">([&, c](std::string_view d) {
      have += d.size();
      if (have < message.size()) return;
      have = 0;
      ++round_trips;
      if (round_trips == warmup) before = allocations.load();
      if (round_trips == warmup + measured) {
        after = allocations.load();
        c->end();
        srv->close();
        return;
      }
      c->write(message);
    });
  });
  test::run_bounded(l, std::chrono::seconds(60));
  CHECK(round_trips == warmup + measured);
  MESSAGE("allocations over ", measured, " round trips: ", after - before);
  CHECK(before > 0);  // the counter does see the setup's allocations
  CHECK(after - before == 0);
}
