// The read side of block_list's index: coverage_snapshot (a static copy of the
// covered set, searched through a radix table or an S+ tree) against a plain
// binary search, and coverage_index (tree + snapshot + the policy that
// rebuilds it) against a count per key, through long interleavings of
// updates and checks that go through every stale/rebuild path.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "net/address/coverage_index.hpp"
#include "net/address/coverage_snapshot.hpp"

using coronet::net::detail::coverage_index;
using coronet::net::detail::coverage_snapshot;

namespace {

using u128 = unsigned __int128;

// Covered means an odd number of transition keys are <= x.
template <class Key>
bool parity_model(const std::vector<Key>& keys, Key x) {
  return (std::upper_bound(keys.begin(), keys.end(), x) - keys.begin()) % 2 == 1;
}

template <class Key>
void rebuild(coverage_snapshot<Key>& snap, std::vector<Key>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  snap.reserve(keys.size());
  snap.begin_rebuild();
  for (Key k : keys) snap.push(k);
  snap.end_rebuild();
  REQUIRE(snap.size() == keys.size());
}

// Probes every key, its neighbours, both ends of the key space and random x.
template <class Key, class Draw>
void check_all(const coverage_snapshot<Key>& snap, const std::vector<Key>& keys, std::mt19937_64& rng, Draw draw) {
  constexpr Key top = std::numeric_limits<Key>::max();
  std::vector<Key> probes = {0, 1, static_cast<Key>(top - 1), top};
  for (Key k : keys) probes.insert(probes.end(), {static_cast<Key>(k - 1), k, static_cast<Key>(k + 1)});
  for (int i = 0; i < 2000; ++i) probes.push_back(draw(rng));
  for (Key x : probes) {
    CAPTURE(static_cast<std::uint64_t>(x));
    REQUIRE(snap.covered(x) == parity_model(keys, x));
  }
}

template <class Key, class Draw>
void snapshot_round(std::mt19937_64& rng, coverage_snapshot<Key>& snap, std::size_t n, Draw draw) {
  std::vector<Key> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back(draw(rng));
  rebuild(snap, keys);
  check_all(snap, keys, rng, draw);
}

}  // namespace

TEST_CASE("the snapshot answers like a binary search over its transitions, for any size") {
  std::mt19937_64 rng(11);
  auto uniform = [](std::mt19937_64& r) { return static_cast<std::uint32_t>(r()); };
  // One snapshot, rebuilt at growing and shrinking sizes: leftovers of a
  // larger build must never leak into a smaller one.
  coverage_snapshot<std::uint32_t> snap;
  for (std::size_t n : {0, 1, 2, 3, 15, 16, 17, 100, 5000, 60000, 7, 300000, 40, 0, 20000})
    snapshot_round(rng, snap, n, uniform);
}

TEST_CASE("the snapshot handles crowded buckets, the ends of the key space and common prefixes") {
  std::mt19937_64 rng(12);
  coverage_snapshot<std::uint32_t> snap;
  // A dense run of consecutive keys overflows its bucket and takes the tree.
  auto clustered = [](std::mt19937_64& r) {
    switch (r() % 4) {
      case 0:
        return static_cast<std::uint32_t>(0x0a000000u + r() % 3000);
      case 1:
        return static_cast<std::uint32_t>(r() % 64);
      case 2:
        return static_cast<std::uint32_t>(~std::uint32_t{0} - r() % 64);
      default:
        return static_cast<std::uint32_t>(r());
    }
  };
  for (std::size_t n : {10, 200, 4000, 50000}) snapshot_round(rng, snap, n, clustered);
  // All keys inside one /24, so the radix bits sit after a 24-bit prefix.
  auto narrow = [](std::mt19937_64& r) { return static_cast<std::uint32_t>(0xc0a80100u + r() % 256); };
  for (std::size_t n : {5, 64, 200}) snapshot_round(rng, snap, n, narrow);

  coverage_snapshot<u128> wide;
  auto v6 = [](std::mt19937_64& r) {
    u128 low = (static_cast<u128>(r()) << 64 | r()) >> (r() % 128);
    switch (r() % 3) {
      case 0:
        return (u128{0x20010db8} << 96) | (low & ((u128{1} << 96) - 1));
      case 1:
        return (u128{0x20010db8} << 96) | (r() % 5000);  // dense
      default:
        return low;
    }
  };
  for (std::size_t n : {0, 1, 9, 500, 30000, 3}) snapshot_round(rng, wide, n, v6);
  auto prefixed = [](std::mt19937_64& r) { return (u128{0xfe80} << 112) | (r() & 0xffff); };
  for (std::size_t n : {50, 3000}) snapshot_round(rng, wide, n, prefixed);

  coverage_snapshot<std::uint16_t> small;
  auto any16 = [](std::mt19937_64& r) { return static_cast<std::uint16_t>(r()); };
  for (std::size_t n : {1, 100, 5000, 65536}) snapshot_round(rng, small, n, any16);
}

namespace {

struct interval {
  std::uint32_t lo, hi;
};

int model_count(const std::vector<interval>& live, std::uint32_t x) {
  int n = 0;
  for (const auto& iv : live) n += iv.lo <= x && x <= iv.hi;
  return n;
}

std::uint32_t draw_key(std::mt19937_64& rng) {
  return rng() % 2 ? static_cast<std::uint32_t>(rng() % 20000) : static_cast<std::uint32_t>(rng());
}

}  // namespace

TEST_CASE("the index answers exactly through every mix of updates and checks") {
  std::mt19937_64 rng(13);
  coverage_index<std::uint32_t> index;
  std::vector<interval> live;
  std::size_t fresh_checks = 0, stale_checks = 0;
  auto probe = [&](int checks) {
    for (int i = 0; i < checks; ++i) {
      std::uint32_t x = rng() % 3 == 0 && !live.empty() ? live[rng() % live.size()].hi : draw_key(rng);
      (index.snapshot_fresh() ? fresh_checks : stale_checks)++;
      REQUIRE(index.covered(x) == (model_count(live, x) > 0));
    }
  };
  auto update = [&] {
    if (live.empty() || rng() % 3 != 0) {
      std::uint32_t a = draw_key(rng), b = a + static_cast<std::uint32_t>(rng() % 3000);
      if (b < a) b = ~std::uint32_t{0};
      index.add(a, b, 1);
      live.push_back({a, b});
    } else {
      std::size_t i = rng() % live.size();
      index.add(live[i].lo, live[i].hi, -1);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
  };
  for (int round = 0; round < 60; ++round) {
    switch (round % 4) {
      case 0:  // a batch of updates (enough to pay for a rebuild), then reads
        for (int i = 0; i < 200; ++i) update();
        probe(300);
        break;
      case 1:  // one update, then enough reads to pay for a rebuild
        update();
        probe(static_cast<int>(index.boundaries() / 16) + 200);
        break;
      default:  // strict alternation: reads keep hitting a stale snapshot
        for (int i = 0; i < 150; ++i) update(), probe(2);
    }
  }
  CHECK(fresh_checks > 1000);
  CHECK(stale_checks > 1000);
  while (!live.empty()) {
    index.add(live.back().lo, live.back().hi, -1);
    live.pop_back();
  }
  probe(500);
  CHECK(index.boundaries() == 0);
}

TEST_CASE("checks on several threads agree while one of them rebuilds the snapshot") {
  std::mt19937_64 rng(14);
  coverage_index<std::uint32_t> index;
  std::vector<interval> live;
  for (int i = 0; i < 3000; ++i) {
    std::uint32_t a = draw_key(rng);
    live.push_back({a, a + 100 < a ? a : a + 100});
    index.add(live.back().lo, live.back().hi, 1);
  }
  std::vector<std::uint32_t> xs;
  std::vector<char> expected;
  for (int i = 0; i < 4000; ++i) {
    xs.push_back(draw_key(rng));
    expected.push_back(model_count(live, xs.back()) > 0);
  }
  for (int trial = 0; trial < 20; ++trial) {
    index.add(5, 5, 1), index.add(5, 5, -1);  // stale again, same coverage
    std::atomic<int> wrong{0};
    auto reader = [&] {
      for (std::size_t i = 0; i < xs.size(); ++i)
        if (index.covered(xs[i]) != static_cast<bool>(expected[i])) wrong.fetch_add(1);
    };
    std::thread other(reader);
    reader();
    other.join();
    REQUIRE(wrong.load() == 0);
    CHECK(index.snapshot_fresh());
  }
}
