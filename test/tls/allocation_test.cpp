// In steady state a TLS echo makes no allocation of its own per round
// trip: ciphertext is read from the loop's receive buffers and written into
// the socket's write queue, plaintext lands in one reused buffer. Counted
// with a replaced operator new; OpenSSL's allocations are counted too,
// through its allocator hooks, and bounded: OpenSSL 3.0 itself allocates a
// few small blocks per record (its WPACKET bookkeeping: seen as three per
// SSL_write and one per SSL_read), which no caller can avoid.
#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tls_test_util.hpp"

namespace {
std::atomic<long> allocations{0};
std::atomic<long> openssl_allocations{0};

void* counted_malloc(std::size_t n, const char*, int) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counted_realloc(void* p, std::size_t n, const char*, int) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) { std::free(p); }

// Before main: OpenSSL takes new allocator hooks only before its first allocation.
const bool hooked = CRYPTO_set_mem_functions(&counted_malloc, &counted_realloc, &plain_free) == 1;
}  // namespace

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

TEST_CASE("a TLS echo allocates nothing per round trip in steady state (operator new and OpenSSL counted)") {
  static constexpr int warmup = 1'000;
  static constexpr int measured = 10'000;
  CHECK(hooked);
  loop l;
  const std::string message(64, 'm');
  long before = 0, after = 0, openssl_before = 0, openssl_after = 0;
  int round_trips = 0;
  std::size_t have = 0;
  auto srv = tls::create_server(l, test::server_tls(),
                                [](tls::socket& s) { s.on<"data">([&s](std::string_view d) { s.write(d); }); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = tls::connect(l, test::client_tls(test::port_of(*srv)));
    c->on<"secureConnect">([&, c] { c->write(message); });
    c->on<"data">([&, c](std::string_view d) {
      have += d.size();
      if (have < message.size()) return;
      have = 0;
      ++round_trips;
      if (round_trips == warmup) {
        before = allocations.load();
        openssl_before = openssl_allocations.load();
      }
      if (round_trips == warmup + measured) {
        after = allocations.load();
        openssl_after = openssl_allocations.load();
        c->end();
        srv->close();
        return;
      }
      c->write(message);
    });
  });
  test::run_bounded(l, std::chrono::seconds(60));
  CHECK(round_trips == warmup + measured);
  MESSAGE("allocations over ", measured, " TLS round trips: ", after - before,
          " (by OpenSSL: ", openssl_after - openssl_before, ")");
  CHECK(before > 0);
  CHECK((after - before) - (openssl_after - openssl_before) == 0);  // none of ours
  // Each round trip is two records each way (an SSL_write and an SSL_read
  // on each side): at most 4 OpenSSL allocations per record.
  CHECK(openssl_after - openssl_before <= 8L * measured);
}
