// block_list against a model that applies Node's comparison rules one rule
// at a time (node_sockaddr.cc's is_match / compare / is_in_network), under
// random adds, removes and checks. This is what keeps the interval index
// honest about the cross-family cases. The second half tests the index itself
// (net/coverage_index.hpp) against a count per key, with nodes small enough
// that every split, merge and redistribution happens many times.
#include <doctest/doctest.h>
#include <algorithm>

#include <coronet/net/address/block_list.hpp>

#include "net/address/coverage_index.hpp"
#include "net/address/coverage_tree.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace net = coronet::net;

namespace {

using u128 = unsigned __int128;

struct addr {
  u128 key;  // IPv4 as ::ffff:a.b.c.d
  bool v6;
};

bool mapped(u128 k) { return (k >> 32) == 0xffff; }

// Node compares an IPv4 address with an IPv6 one only through the mapped form.
bool comparable(addr a, addr b) { return a.v6 == b.v6 || mapped(a.v6 ? a.key : b.key); }

struct model_rule {
  int kind;  // 0 address, 1 range, 2 subnet
  addr a, b;
  int prefix;
  bool matches(addr x) const {
    switch (kind) {
      case 0:
        return comparable(x, a) && x.key == a.key;
      case 1:
        return comparable(x, a) && comparable(x, b) && a.key <= x.key && x.key <= b.key;
      default: {
        if (!a.v6) {
          if (!mapped(x.key)) return false;
          std::uint32_t m = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
          return (static_cast<std::uint32_t>(x.key) & m) == (static_cast<std::uint32_t>(a.key) & m);
        }
        u128 m = prefix == 0 ? 0 : ~u128{0} << (128 - prefix);
        return (x.key & m) == (a.key & m);
      }
    }
  }
};

std::string text(addr a) {
  if (!a.v6) {
    auto v = static_cast<std::uint32_t>(a.key);
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) +
           "." + std::to_string(v & 255);
  }
  std::string out;
  for (int i = 7; i >= 0; --i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>((a.key >> (16 * i)) & 0xffff));
    out += buf;
    if (i) out += ':';
  }
  return out;
}

// Addresses cluster in a few small neighbourhoods so rules overlap often,
// including the IPv4-mapped block and its edges.
addr random_addr(std::mt19937_64& rng) {
  static const u128 bases[] = {
      0, 0x0a000000, u128{0xffff} << 32 | 0x0a000000, u128{0xfffe} << 32, u128{0x10000} << 32, u128{0x20010db8} << 96};
  std::uniform_int_distribution<int> pick(0, 6);
  int which = pick(rng);
  if (which == 6) return {static_cast<u128>(0x0a000000u + (rng() & 0x3ff)) | (u128{0xffff} << 32), false};
  u128 key = bases[which] + (rng() & 0x3ff);
  return {key, true};
}

}  // namespace

TEST_CASE("block_list agrees with a rule-by-rule model of Node under random adds and removes") {
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 24; ++round) {
    net::block_list list;
    std::vector<model_rule> model;
    auto add_random = [&] {
      model_rule r{static_cast<int>(rng() % 3), random_addr(rng), random_addr(rng), 0};
      std::string fam_a = r.a.v6 ? "ipv6" : "ipv4";
      if (r.kind == 0) {
        list.add_address(text(r.a), fam_a);
      } else if (r.kind == 1) {
        if (r.a.key > r.b.key) std::swap(r.a, r.b);
        net::socket_address sa({.address = text(r.a), .family = r.a.v6 ? "ipv6" : "ipv4"});
        net::socket_address sb({.address = text(r.b), .family = r.b.v6 ? "ipv6" : "ipv4"});
        list.add_range(sa, sb);
      } else {
        r.prefix = static_cast<int>(rng() % (r.a.v6 ? 129 : 33));
        if (rng() % 2) r.prefix = r.a.v6 ? 118 + static_cast<int>(rng() % 11) : 22 + static_cast<int>(rng() % 11);
        list.add_subnet(text(r.a), r.prefix, fam_a);
      }
      // Node 26 keeps one rule per address: the same address again (as IPv4
      // or IPv4-mapped IPv6, which share a key) takes the old rule's place.
      if (r.kind == 0) {
        auto same = std::find_if(model.begin(), model.end(),
                                 [&](const model_rule& m) { return m.kind == 0 && m.a.key == r.a.key; });
        if (same != model.end()) {
          *same = r;
          return;
        }
      }
      model.push_back(r);
    };
    // Every fourth round starts from a thousand rules, so that single updates
    // leave the index's snapshot stale and checks go to its tree for a while.
    for (int i = 0; i < (round % 4 == 3 ? 1000 : 0); ++i) add_random();
    for (int step = 0; step < 300; ++step) {
      int op = static_cast<int>(rng() % 10);
      if (op < 6 || model.empty()) {
        add_random();
      } else {
        auto victim = model[rng() % model.size()];
        std::string fam = victim.a.v6 ? "ipv6" : "ipv4";
        if (victim.kind == 0) list.remove_address(text(victim.a), fam);
        if (victim.kind == 1)
          list.remove_range(net::socket_address({.address = text(victim.a), .family = fam}),
                            net::socket_address({.address = text(victim.b), .family = victim.b.v6 ? "ipv6" : "ipv4"}));
        if (victim.kind == 2) list.remove_subnet(text(victim.a), victim.prefix, fam);
        std::erase_if(model, [&](const model_rule& r) {
          return r.kind == victim.kind && r.a.key == victim.a.key && r.a.v6 == victim.a.v6 &&
                 (r.kind != 1 || (r.b.key == victim.b.key && r.b.v6 == victim.b.v6)) &&
                 (r.kind != 2 || r.prefix == victim.prefix);
        });
      }
      REQUIRE(list.size() == model.size());
      for (int probe = 0; probe < 20; ++probe) {
        addr x = random_addr(rng);
        bool expected = false;
        for (const auto& r : model) expected = expected || r.matches(x);
        CAPTURE(text(x));
        REQUIRE(list.check(text(x), x.v6 ? "ipv6" : "ipv4") == expected);
      }
    }
  }
}

TEST_CASE("many rules added and then removed leave nothing blocked") {
  net::block_list list;
  std::mt19937 rng(7);
  std::vector<std::uint32_t> bases;
  for (int i = 0; i < 5000; ++i) {
    std::uint32_t b = rng() & 0xfffff000u;
    bases.push_back(b);
    std::string s =
        std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + "." + std::to_string((b >> 8) & 255) + ".0";
    list.add_subnet(s, 20 + static_cast<int>(i % 12));
  }
  CHECK(list.size() == 5000);
  auto rules = list.rules();
  for (int i = 0; i < 5000; ++i) {
    std::uint32_t b = bases[static_cast<std::size_t>(i)];
    std::string s =
        std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + "." + std::to_string((b >> 8) & 255) + ".0";
    list.remove_subnet(s, 20 + i % 12);
  }
  CHECK(list.size() == 0);
  for (std::uint32_t b : bases) {
    std::string s = std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + ".1.1";
    CHECK_FALSE(list.check(s));
  }
}

namespace {

// Drives an index and a plain model of it through the same long random mix of
// adds, removes (of intervals added earlier, as block_list does) and odd
// deltas, checking the tree's invariants after every update.
template <class Key, int B, class Draw, class Count>
void churn_against_model(std::uint64_t seed, int steps, Draw draw, Count model_count, const std::vector<Key>& probes) {
  using interval = std::array<Key, 2>;
  std::mt19937_64 rng(seed);
  coronet::net::detail::coverage_tree<Key, B> index;
  std::vector<std::pair<interval, int>> live;
  for (int step = 0; step < steps; ++step) {
    // Phases: grow to a few hundred intervals, shrink to none, repeat; so the
    // tree gains and loses whole levels.
    bool growing = (step / 1500) % 2 == 0;
    if (live.empty() || rng() % 100 < (growing ? 70u : 25u)) {
      Key a = draw(rng), b = draw(rng);
      if (a > b) std::swap(a, b);
      int delta = rng() % 8 == 0 ? -1 - static_cast<int>(rng() % 3) : 1 + static_cast<int>(rng() % 2);
      index.add(a, b, delta);
      live.push_back({{a, b}, delta});
    } else {
      std::size_t i = rng() % live.size();
      index.add(live[i].first[0], live[i].first[1], -live[i].second);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    REQUIRE(index.valid());
    // Eight random keys after every update, and the fixed ones now and then.
    std::vector<Key> xs;
    for (int p = 0; p < 8; ++p) xs.push_back(draw(rng));
    if (step % 64 == 0) xs.insert(xs.end(), probes.begin(), probes.end());
    for (Key x : xs) {
      int expected = model_count(live, x);
      REQUIRE(index.count(x) == expected);
      REQUIRE(index.covered(x) == (expected > 0));
    }
  }
  for (auto& [iv, delta] : live) index.add(iv[0], iv[1], -delta);
  CHECK(index.boundaries() == 0);
  CHECK(index.valid());
  for (Key x : probes) CHECK(index.count(x) == 0);
}

template <class Key>
int brute_count(const std::vector<std::pair<std::array<Key, 2>, int>>& live, Key x) {
  int n = 0;
  for (const auto& [iv, delta] : live)
    if (iv[0] <= x && x <= iv[1]) n += delta;
  return n;
}

// Both ends of the key space and their neighbours, probed at every 64th step.
template <class Key>
std::vector<Key> edge_probes() {
  Key top = std::numeric_limits<Key>::max();
  return {0, 1, 2, static_cast<Key>(top - 2), static_cast<Key>(top - 1), top};
}

}  // namespace

TEST_CASE("the coverage tree agrees with a count per key over all 256 one-byte keys") {
  auto draw = [](std::mt19937_64& rng) { return static_cast<std::uint8_t>(rng()); };
  std::vector<std::uint8_t> every(256);
  for (int i = 0; i < 256; ++i) every[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  churn_against_model<std::uint8_t, 4>(1, 6000, draw, brute_count<std::uint8_t>, every);
  churn_against_model<std::uint8_t, 6>(2, 6000, draw, brute_count<std::uint8_t>, every);
  churn_against_model<std::uint8_t, 16>(3, 6000, draw, brute_count<std::uint8_t>, every);
}

TEST_CASE("the coverage tree agrees with the model on 32-bit keys, including the top of the key space") {
  auto draw = [](std::mt19937_64& rng) {
    auto r = static_cast<std::uint32_t>(rng());
    switch (rng() % 3) {
      case 0:
        return r & 0xfff;  // crowded near 0
      case 1:
        return ~std::uint32_t{0} - (r & 0xfff);  // crowded near the top, kmax included
      default:
        return r;
    }
  };
  churn_against_model<std::uint32_t, 4>(4, 9000, draw, brute_count<std::uint32_t>, edge_probes<std::uint32_t>());
  churn_against_model<std::uint32_t, 16>(5, 9000, draw, brute_count<std::uint32_t>, edge_probes<std::uint32_t>());
}

TEST_CASE("the coverage tree agrees with the model on 128-bit keys") {
  using u128k = unsigned __int128;
  auto draw = [](std::mt19937_64& rng) {
    u128k r = (static_cast<u128k>(rng()) << 64) | rng();
    switch (rng() % 3) {
      case 0:
        return r & 0xfff;
      case 1:
        return ~u128k{0} - (r & 0xfff);
      default:
        return (u128k{0xffff} << 32) | (r & 0xffffffff);  // the IPv4-mapped block
    }
  };
  churn_against_model<u128k, 4>(6, 9000, draw, brute_count<u128k>, edge_probes<u128k>());
  churn_against_model<u128k, 8>(7, 9000, draw, brute_count<u128k>, edge_probes<u128k>());
}

TEST_CASE("the coverage tree stays valid through a large build and teardown") {
  coronet::net::detail::coverage_tree<std::uint32_t> index;
  std::mt19937_64 rng(8);
  std::vector<std::array<std::uint32_t, 2>> added;
  for (int i = 0; i < 50000; ++i) {
    auto a = static_cast<std::uint32_t>(rng()), b = a + static_cast<std::uint32_t>(rng() % 5000);
    if (b < a) b = a;
    index.add(a, b, 1);
    added.push_back({a, b});
  }
  REQUIRE(index.valid());
  for (std::size_t i = 0; i < added.size(); i += 2) index.add(added[i][0], added[i][1], -1);
  REQUIRE(index.valid());
  for (std::size_t i = 1; i < added.size(); i += 2) CHECK(index.covered(added[i][0]));
  for (std::size_t i = 1; i < added.size(); i += 2) index.add(added[i][0], added[i][1], -1);
  CHECK(index.boundaries() == 0);
  CHECK(index.valid());
}
