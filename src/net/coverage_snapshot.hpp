// Internal: the read-only half of coverage_index, a flat copy of the covered
// set that answers covered(x) with as few cache misses as possible.
//
// It stores only the keys where coverage switches on or off, t[0] < t[1] < ...;
// x is covered when an odd number of them are <= x. So the answer is the
// parity of a rank, and no counts are stored at all: with 100,000 rules that
// is 400 KB for 4-byte keys (a quarter of the tree's footprint).
//
// The keys are laid out as a static B+-tree ("S+ tree", see
// https://en.algorithmica.org/hpc/data-structures/s-tree/): layer 0 is the
// sorted keys in nodes of B, and each layer above holds, for each group of B + 1
// nodes below, the first key of the last B of them. Children are found by
// arithmetic, not pointers, each node is one or two cache lines searched
// without branches, and the upper layers are small enough to stay in L1/L2:
// a lookup costs about one miss to L3 instead of one per binary-search step.
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

template <class Key, int B = (sizeof(Key) > 8 ? 8 : 16)>
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
  }

  std::size_t capacity_nodes() const noexcept { return nodes_.size(); }

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
    // Pad the last leaf.
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
  }

  std::size_t size() const noexcept { return count_; }

  bool covered(Key x) const noexcept {
    // Padding keys are kmax, so rank() counts them only for x == kmax.
    if (x == kmax) [[unlikely]]
      return at_max_;
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

  // Layer 0 first, so leaves can be written before the key count is known.
  static shape layout(std::size_t keys) noexcept {
    shape s;
    std::size_t n = keys == 0 ? 1 : (keys + B - 1) / B;
    for (;;) {
      s.size[s.layers] = n, s.offset[s.layers] = s.total;
      s.total += n, ++s.layers;
      if (n == 1) return s;
      n = (n + B) / (B + 1);
    }
  }

  static std::size_t rank(const Key* keys, Key x) noexcept {
    std::size_t r = 0;
    for (int i = 0; i < B; ++i) r += keys[i] <= x;
    return r;
  }

  std::vector<node> nodes_;
  shape shape_;
  std::size_t count_ = 0;
  bool at_max_ = false;
};

}  // namespace coronet::net::detail
