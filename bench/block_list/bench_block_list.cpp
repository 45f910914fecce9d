// Measures block_list::check() with 100,000 mixed rules against a linear
// scan over the same rules, and prints a small markdown table.
//
//   ./bench_block_list [rules] [seconds-per-measurement] [seconds-for-linear-scan]
#include <coronet/net/address/block_list.hpp>

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace net = coronet::net;

namespace {

using u128 = unsigned __int128;

std::string v4_text(std::uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) + "." +
         std::to_string(v & 255);
}

std::string v6_text(u128 k) {
  std::string out;
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>((k >> (16 * i)) & 0xffff));
    out += buf;
    if (i) out += ':';
  }
  return out;
}

// The linear scan: what a straightforward port does for every check.
struct scan_rule {
  bool v6;
  u128 lo, hi;
};

struct linear_list {
  std::vector<scan_rule> rules;
  bool check(bool v6, u128 key) const {
    for (const auto& r : rules)
      if (r.v6 == v6 && r.lo <= key && key <= r.hi) return true;
    return false;
  }
};

u128 random_v6(std::mt19937_64& rng) {
  // Keep IPv6 keys inside 2001:db8::/32 so that rules and probes meet.
  return (u128{0x20010db8} << 96) | (static_cast<u128>(rng() & 0xffffffff) << 64) | rng();
}

// CPU time of this thread: "checks per second on one core" stays meaningful
// when other processes share the machine (wall-clock time would not).
double thread_seconds() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double per_second(F&& f, std::size_t batch, double seconds) {
  std::size_t done = 0;
  double start = thread_seconds(), elapsed = 0;
  do {
    f();
    done += batch;
    elapsed = thread_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rule_count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  double linear_seconds = argc > 3 ? std::atof(argv[3]) : seconds;
  std::mt19937_64 rng(42);
  net::block_list list;
  linear_list linear;

  double build_start = thread_seconds();
  for (std::size_t i = 0; i < rule_count; ++i) {
    bool v6 = i % 2 == 1;
    switch (i % 6) {
      case 0:
      case 1: {  // addresses
        if (!v6) {
          auto a = static_cast<std::uint32_t>(rng());
          list.add_address(v4_text(a));
          linear.rules.push_back({false, a, a});
        } else {
          u128 a = random_v6(rng);
          list.add_address(v6_text(a), "ipv6");
          linear.rules.push_back({true, a, a});
        }
        break;
      }
      case 2:
      case 3: {  // short ranges
        if (!v6) {
          auto a = static_cast<std::uint32_t>(rng() & 0xfffff000u), b = a + static_cast<std::uint32_t>(rng() % 4096);
          list.add_range(v4_text(a), v4_text(b));
          linear.rules.push_back({false, a, b});
        } else {
          u128 a = random_v6(rng), b = a + (rng() % 65536);
          list.add_range(v6_text(a), v6_text(b), "ipv6");
          linear.rules.push_back({true, a, b});
        }
        break;
      }
      default: {  // subnets
        if (!v6) {
          int prefix = 16 + static_cast<int>(rng() % 17);
          std::uint32_t mask = ~std::uint32_t{0} << (32 - prefix);
          auto a = static_cast<std::uint32_t>(rng()) & mask;
          list.add_subnet(v4_text(a), prefix);
          linear.rules.push_back({false, a, a | ~mask});
        } else {
          int prefix = 48 + static_cast<int>(rng() % 81);
          u128 host = prefix == 128 ? 0 : (~u128{0} >> prefix);
          u128 a = random_v6(rng) & ~host;
          list.add_subnet(v6_text(a), prefix, "ipv6");
          linear.rules.push_back({true, a, a | host});
        }
      }
    }
  }
  double build_s = thread_seconds() - build_start;

  // Probes: half IPv4, half IPv6, as text (what check() is usually given),
  // plus their keys for the linear scan.
  constexpr std::size_t probe_count = 1 << 16;
  std::vector<std::string> text(probe_count);
  std::vector<u128> keys(probe_count);
  for (std::size_t i = 0; i < probe_count; ++i) {
    if (i % 2 == 0) {
      auto a = static_cast<std::uint32_t>(rng());
      text[i] = v4_text(a), keys[i] = a;
    } else {
      u128 a = random_v6(rng);
      text[i] = v6_text(a), keys[i] = a;
    }
  }

  // Every probe agrees with the linear scan (only the first ones for huge
  // lists, where scanning them all would take minutes).
  std::size_t hits = 0, checked = std::min<std::size_t>(probe_count, 7'000'000'000 / (rule_count + 1) + 1000);
  for (std::size_t i = 0; i < probe_count; ++i) {
    bool blocked = list.check(text[i], i % 2 ? "ipv6" : "ipv4");
    hits += blocked;
    if (i < checked && blocked != linear.check(i % 2, keys[i])) {
      std::fprintf(stderr, "MISMATCH at probe %zu (%s)\n", i, text[i].c_str());
      return 1;
    }
  }

  // Pre-parsed probes, as a server holding the peer's socket_address has them.
  std::vector<net::socket_address> parsed;
  parsed.reserve(probe_count);
  for (std::size_t i = 0; i < probe_count; ++i)
    parsed.emplace_back(net::socket_address_options{.address = text[i], .family = i % 2 ? "ipv6" : "ipv4"});

  // step 2 from 0 or 1 measures one family; step 1 from 0 the mix.
  std::size_t sink = 0;
  auto text_rate = [&](std::size_t first, std::size_t step) {
    return per_second(
        [&] {
          for (std::size_t i = first; i < probe_count; i += step) sink += list.check(text[i], i % 2 ? "ipv6" : "ipv4");
        },
        probe_count / step, seconds);
  };
  auto parsed_rate = [&](std::size_t first, std::size_t step) {
    return per_second(
        [&] {
          for (std::size_t i = first; i < probe_count; i += step) sink += list.check(parsed[i]);
        },
        probe_count / step, seconds);
  };
  double fast = text_rate(0, 1), fast_v4 = text_rate(0, 2), fast_v6 = text_rate(1, 2);
  double sa = parsed_rate(0, 1), sa_v4 = parsed_rate(0, 2), sa_v6 = parsed_rate(1, 2);
  constexpr std::size_t linear_batch = 256;
  std::size_t next = 0;
  double slow = per_second(
      [&] {
        for (std::size_t i = 0; i < linear_batch; ++i, next = (next + 1) % probe_count)
          sink += linear.check(next % 2, keys[next]);
      },
      linear_batch, linear_seconds);

  // Churn at the current size: add and remove a rule; then the same with a
  // check after each update, which finds the snapshot stale every time.
  constexpr std::size_t churn = 20000;
  auto churn_rate = [&](bool with_checks) {
    double start = thread_seconds();
    for (std::size_t i = 0; i < churn; ++i) {
      std::string a = v4_text(0x0a000000u + static_cast<std::uint32_t>(i) * 256);
      list.add_subnet(a, 24);
      if (with_checks) sink += list.check(text[(2 * i) % probe_count]);
      list.remove_subnet(a, 24);
      if (with_checks) sink += list.check(text[(2 * i + 2) % probe_count]);
    }
    return (thread_seconds() - start) * 1e6 / (2 * churn);
  };
  double churn_us = churn_rate(false), churn_checked_us = churn_rate(true);

  std::printf("| %zu rules (%zu%% of probes blocked) | mixed | IPv4 | IPv6 |\n|---|---:|---:|---:|\n", rule_count,
              hits * 100 / probe_count);
  std::printf("| coronet block_list, text input (checks/s) | %.2fM | %.2fM | %.2fM |\n", fast / 1e6, fast_v4 / 1e6,
              fast_v6 / 1e6);
  std::printf("| coronet block_list, socket_address input | %.2fM | %.2fM | %.2fM |\n", sa / 1e6, sa_v4 / 1e6,
              sa_v6 / 1e6);
  std::printf("| linear scan (pre-parsed keys) | %.3fM | | |\n", slow / 1e6);
  std::printf(
      "\nspeed-up %.0fx; building the list took %.0f ms; at this size an add or remove takes %.2f us, "
      "%.2f us with a check after each (sink %zu)\n",
      fast / slow, build_s * 1e3, churn_us, churn_checked_us, sink % 10);
  return 0;
}
