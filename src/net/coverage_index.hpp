// Internal: how many rules cover each key, for block_list::check().
//
// The key space [0, max] is cut into segments by boundary keys; each boundary
// stores how many rules cover the segment it starts. A check is a lookup of
// the segment holding the key: two binary searches over flat arrays, which is
// what keeps check() fast when the list holds 100,000 rules (a std::map of the
// same boundaries is several times slower because every level is a cache
// miss). Boundaries live in sorted blocks of at most max_block keys with a
// per-block "lazy" count, i.e. a B+-tree of height two:
//   - add/remove a rule: O(log n + B + n/B), about half a microsecond at
//     100k rules (B = max_block);
//   - check: O(log n) without allocation.
// Adjacent segments with equal counts are merged, so the index holds at most
// two boundaries per rule plus one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace coronet::net::detail {

template <class Key>
class coverage_index {
 public:
  coverage_index() { clear(); }

  void clear() {
    blocks_.assign(1, block{});
    blocks_[0].keys.push_back(0);
    blocks_[0].count.push_back(0);
    firsts_.assign(1, 0);
  }

  bool covered(Key x) const noexcept {
    const block& blk = blocks_[last_not_above(firsts_.data(), firsts_.size(), x)];
    return blk.count[last_not_above(blk.keys.data(), blk.keys.size(), x)] + blk.lazy > 0;
  }

  // Adds delta to the count of every key in [lo, hi].
  void add(Key lo, Key hi, int delta) {
    if (lo > hi) return;
    const bool to_end = hi == std::numeric_limits<Key>::max();
    split_at(lo);
    if (!to_end) split_at(hi + 1);
    auto [b, i] = find(lo);
    for (; b < blocks_.size() && blocks_[b].keys[i] <= hi; ++b, i = 0) {
      block& blk = blocks_[b];
      if (i == 0 && blk.keys.back() <= hi) {
        blk.lazy += delta;  // the whole block lies inside the interval
        continue;
      }
      for (; i < blk.keys.size() && blk.keys[i] <= hi; ++i) blk.count[i] += delta;
      if (i < blk.keys.size()) break;
    }
    merge_at(lo);
    if (!to_end) merge_at(hi + 1);
  }

  std::size_t boundaries() const noexcept {
    std::size_t n = 0;
    for (const auto& blk : blocks_) n += blk.keys.size();
    return n;
  }

 private:
  static constexpr std::size_t max_block = sizeof(Key) > 8 ? 64 : 128;

  struct block {
    std::vector<Key> keys;
    std::vector<int> count;
    int lazy = 0;
  };

  struct position {
    std::size_t block, index;
  };

  // Index of the last key <= x in a sorted array whose first key is <= x.
  // Branch-free: on random probes a branchy binary search mispredicts about
  // every other step, which costs more than the memory accesses themselves.
  static std::size_t last_not_above(const Key* keys, std::size_t n, Key x) noexcept {
    const Key* base = keys;
    while (n > 1) {
      std::size_t half = n / 2;
      // Fetch both candidates for the next step while this one resolves.
      __builtin_prefetch(base + half / 2);
      __builtin_prefetch(base + half + half / 2);
      base = base[half] <= x ? base + half : base;
      n -= half;
    }
    return static_cast<std::size_t>(base - keys);
  }

  position find(Key x) const noexcept {
    auto b = last_not_above(firsts_.data(), firsts_.size(), x);
    return {b, last_not_above(blocks_[b].keys.data(), blocks_[b].keys.size(), x)};
  }

  int value(position p) const noexcept { return blocks_[p.block].count[p.index] + blocks_[p.block].lazy; }

  // Makes p a boundary; the new segment inherits the count of the old one.
  void split_at(Key p) {
    auto [b, i] = find(p);
    block& blk = blocks_[b];
    if (blk.keys[i] == p) return;
    blk.keys.insert(blk.keys.begin() + static_cast<std::ptrdiff_t>(i + 1), p);
    blk.count.insert(blk.count.begin() + static_cast<std::ptrdiff_t>(i + 1), blk.count[i]);
    if (blk.keys.size() > max_block) split_block(b);
  }

  void split_block(std::size_t b) {
    block& blk = blocks_[b];
    auto half = static_cast<std::ptrdiff_t>(blk.keys.size() / 2);
    block upper;
    upper.keys.assign(blk.keys.begin() + half, blk.keys.end());
    upper.count.assign(blk.count.begin() + half, blk.count.end());
    upper.lazy = blk.lazy;
    blk.keys.resize(static_cast<std::size_t>(half));
    blk.count.resize(static_cast<std::size_t>(half));
    firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(b + 1), upper.keys.front());
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b + 1), std::move(upper));
  }

  // Drops boundary p if it no longer changes the count.
  void merge_at(Key p) {
    if (p == 0) return;
    auto here = find(p);
    if (blocks_[here.block].keys[here.index] != p) return;
    position before = here.index > 0 ? position{here.block, here.index - 1}
                                     : position{here.block - 1, blocks_[here.block - 1].keys.size() - 1};
    if (value(before) != value(here)) return;
    block& blk = blocks_[here.block];
    blk.keys.erase(blk.keys.begin() + static_cast<std::ptrdiff_t>(here.index));
    blk.count.erase(blk.count.begin() + static_cast<std::ptrdiff_t>(here.index));
    if (blk.keys.empty()) {
      blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(here.block));
      firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(here.block));
      return;
    }
    firsts_[here.block] = blk.keys.front();
    // Keep blocks from thinning out under churn: fold a small block into its
    // successor when both fit in one.
    if (here.block + 1 < blocks_.size() && blk.keys.size() + blocks_[here.block + 1].keys.size() <= max_block / 2)
      fold_next(here.block);
  }

  void fold_next(std::size_t b) {
    block& blk = blocks_[b];
    block& next = blocks_[b + 1];
    for (std::size_t i = 0; i < next.keys.size(); ++i) {
      blk.keys.push_back(next.keys[i]);
      // Counts are relative to each block's lazy value; rebase onto ours.
      blk.count.push_back(next.count[i] + next.lazy - blk.lazy);
    }
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b + 1));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(b + 1));
  }

  std::vector<Key> firsts_;  // firsts_[b] == blocks_[b].keys.front()
  std::vector<block> blocks_;
};

}  // namespace coronet::net::detail
