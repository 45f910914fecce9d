// Internal: the read-only half of coverage_index, a flat copy of the covered
// set that answers covered(x) with as few cache misses as possible.
//
// It stores only the keys where coverage switches on or off, t[0] < t[1] < ...;
// x is covered when an odd number of them are <= x. So the answer is the
// parity of a rank, and no counts are stored at all: with 100,000 rules that
// is about 400 KB for 4-byte keys, a third of coverage_tree's footprint.
//
// The keys are laid out as a static B+-tree ("S+ tree", see
// https://en.algorithmica.org/hpc/data-structures/s-tree/): layer 0 is the
// sorted keys in nodes of B, and each layer above holds, for each group of B + 1
// nodes below, the first key of the last B of them. Children are found by
// arithmetic, not pointers, each node is one or two cache lines searched
// without branches, and the upper layers are small enough to stay in L1/L2:
// a lookup costs about one miss to L3 instead of one per binary-search step.
//
// In front of the tree sits a radix table: bucket_[p] is the rank of the
// first key whose bits after the prefix all keys share read p or more. When
// x's bucket holds at most B keys, its rank is bucket_[p] plus a count over
// the B keys from there (keys of later buckets are all greater than x), so
// the usual check is one table load and one or two lines of keys; a crowded
// bucket (a dense cluster of rules) falls back to the tree, so the worst case
// stays O(log n).
//
// Rebuilding never allocates when reserve() was called for at least as many
// keys, which lets a const, noexcept check() rebuild it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace coronet::net::detail {

// B: keys per node; one cache line of them, or two for 16-byte keys.
template <class Key, int B = (sizeof(Key) > 8 ? 8 : 64 / static_cast<int>(sizeof(Key)))>
class coverage_snapshot {
 public:
  coverage_snapshot() {
    reserve(0);
    clear();
  }

  // Makes room for a rebuild from up to `keys` transition keys.
  void reserve(std::size_t keys) {
    std::size_t need = layout(keys).total;
    if (nodes_.size() < need) nodes_.resize(std::max(need, 2 * nodes_.size()));
    std::size_t buckets = (std::size_t{1} << radix_bits(keys)) + 1;
    if (bucket_.size() < buckets) bucket_.resize(buckets);
  }

  // Nothing covered.
  void clear() noexcept {
    begin_rebuild();
    end_rebuild();
  }

  // Rebuild protocol: begin, push(key) for every transition in increasing
  // order (at most as many as reserved), end.
  void begin_rebuild() noexcept { count_ = 0; }

  void push(Key key) noexcept {
    nodes_[count_ / B].keys[count_ % B] = key;
    ++count_;
  }

  void end_rebuild() noexcept {
    shape_ = layout(count_);
    // Pad layer 0: the rest of the last leaf, and the spare leaf after it.
    for (std::size_t i = count_; i < shape_.size[0] * B; ++i) nodes_[i / B].keys[i % B] = kmax;
    at_max_ = count_ % 2 == 1;  // every key is <= kmax
    std::size_t span = 1;       // leaves under one node of the layer below
    for (int h = 1; h < shape_.layers; ++h) {
      for (std::size_t j = 0; j < shape_.size[h]; ++j) {
        node& n = nodes_[shape_.offset[h] + j];
        for (std::size_t i = 0; i < B; ++i) {
          // Key i is the first key under child i + 1, read from the leftmost leaf.
          std::size_t leaf = (j * (B + 1) + i + 1) * span;
          n.keys[i] = leaf < shape_.size[0] ? nodes_[leaf].keys[0] : kmax;
        }
      }
      span *= B + 1;
    }
    build_buckets();
  }

  std::size_t size() const noexcept { return count_; }

  bool covered(Key x) const noexcept {
    // Padding keys are kmax, so rank() counts them only for x == kmax.
    if (x == kmax) [[unlikely]]
      return at_max_;
    if (bits_ > 0 && x >= first_ && x <= last_) [[likely]] {
      std::size_t p = static_cast<std::size_t>(x >> shift_) & mask_;
      std::size_t a = bucket_[p];
      if (bucket_[p + 1] - a <= B) [[likely]]
        return (a + rank(sorted() + a, x)) % 2 == 1;
    }
    std::size_t k = 0;
    for (int h = shape_.layers - 1; h > 0; --h) k = k * (B + 1) + rank(nodes_[shape_.offset[h] + k].keys, x);
    return (k * B + rank(nodes_[k].keys, x)) % 2 == 1;
  }

 private:
  static constexpr Key kmax = std::numeric_limits<Key>::max();
  static constexpr int max_layers = 48;

  struct alignas(64) node {
    Key keys[B];
  };

  struct shape {
    int layers = 0;
    std::array<std::size_t, max_layers> size{}, offset{};  // in nodes
    std::size_t total = 0;
  };

  static constexpr int key_bits = 8 * sizeof(Key);

  // Layer 0 first, so leaves can be written before the key count is known.
  // It ends with at least B padding keys, for the count after a bucket.
  static shape layout(std::size_t keys) noexcept {
    shape s;
    std::size_t n = (keys + B - 1) / B + 1;
    for (;;) {
      s.size[s.layers] = n, s.offset[s.layers] = s.total;
      s.total += n, ++s.layers;
      if (n == 1) return s;
      n = (n + B) / (B + 1);
    }
  }

  // About two to four keys per bucket; no table for small lists, where the
  // tree is only a level or two.
  static int radix_bits(std::size_t keys) noexcept {
    int bits = 0;
    while (bits < 22 && (keys >> (bits + (B > 8 ? 2 : 1))) > 1) ++bits;
    return bits < 3 ? 0 : bits;
  }

  static int leading_zeros(Key v) noexcept {
    int n = 0;
    for (int half = key_bits / 2; half > 0; half /= 2)
      if ((v >> (key_bits - half)) == 0) n += half, v = static_cast<Key>(v << half);
    return n;
  }

  const Key* sorted() const noexcept { return nodes_[0].keys; }

  void build_buckets() noexcept {
    bits_ = std::min(radix_bits(count_), count_ < 2 ? 0 : key_bits);
    if (bits_ == 0) return;
    first_ = sorted()[0], last_ = sorted()[count_ - 1];
    // Buckets read the bits just after the common prefix; every x in
    // [first_, last_] has that prefix too.
    int common = leading_zeros(static_cast<Key>(first_ ^ last_));
    bits_ = std::min(bits_, key_bits - common);
    shift_ = key_bits - common - bits_;
    mask_ = (std::size_t{1} << bits_) - 1;
    std::size_t i = 0;
    for (std::size_t p = 0; p <= mask_ + 1; ++p) {
      while (i < count_ && (static_cast<std::size_t>(sorted()[i] >> shift_) & mask_) < p) ++i;
      bucket_[p] = static_cast<std::uint32_t>(i);
    }
  }

  static std::size_t rank(const Key* keys, Key x) noexcept {
    std::size_t r = 0;
    for (int i = 0; i < B; ++i) r += keys[i] <= x;
    return r;
  }

  static_assert(sizeof(node) == sizeof(Key) * B, "layer 0 must read as one sorted array");

  std::vector<node> nodes_;
  std::vector<std::uint32_t> bucket_;
  Key first_ = 0, last_ = 0;
  int bits_ = 0, shift_ = 0;
  std::size_t mask_ = 0;
  shape shape_;
  std::size_t count_ = 0;
  bool at_max_ = false;
};

}  // namespace coronet::net::detail
