// block_list against a model that applies Node's comparison rules one rule
// at a time (node_sockaddr.cc's is_match / compare / is_in_network), under
// random adds, removes and checks. This is what keeps the interval index
// honest about the cross-family cases.
#include <doctest/doctest.h>

#include <coronet/net/block_list.hpp>

#include <array>
#include <cstdint>
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
      case 0: return comparable(x, a) && x.key == a.key;
      case 1: return comparable(x, a) && comparable(x, b) && a.key <= x.key && x.key <= b.key;
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
  static const u128 bases[] = {0, 0x0a000000, u128{0xffff} << 32 | 0x0a000000, u128{0xfffe} << 32,
                               u128{0x10000} << 32, u128{0x20010db8} << 96};
  std::uniform_int_distribution<int> pick(0, 6);
  int which = pick(rng);
  if (which == 6) return {static_cast<u128>(0x0a000000u + (rng() & 0x3ff)) | (u128{0xffff} << 32), false};
  u128 key = bases[which] + (rng() & 0x3ff);
  return {key, true};
}

}  // namespace

TEST_CASE("block_list agrees with a rule-by-rule model of Node under random adds and removes") {
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 20; ++round) {
    net::block_list list;
    std::vector<model_rule> model;
    for (int step = 0; step < 300; ++step) {
      int op = static_cast<int>(rng() % 10);
      if (op < 6 || model.empty()) {
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
        model.push_back(r);
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
    std::string s = std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + "." +
                    std::to_string((b >> 8) & 255) + ".0";
    list.add_subnet(s, 20 + static_cast<int>(i % 12));
  }
  CHECK(list.size() == 5000);
  auto rules = list.rules();
  for (int i = 0; i < 5000; ++i) {
    std::uint32_t b = bases[static_cast<std::size_t>(i)];
    std::string s = std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + "." +
                    std::to_string((b >> 8) & 255) + ".0";
    list.remove_subnet(s, 20 + i % 12);
  }
  CHECK(list.size() == 0);
  for (std::uint32_t b : bases) {
    std::string s = std::to_string(b >> 24) + "." + std::to_string((b >> 16) & 255) + ".1.1";
    CHECK_FALSE(list.check(s));
  }
}
