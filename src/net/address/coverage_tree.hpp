// Internal: the exact, updatable half of coverage_index: how many rules cover
// each key.
//
// A rule covering [lo, hi] is stored as a difference array: +1 at lo and -1
// at hi + 1. The count at x is the sum of the differences at keys <= x, and x
// is blocked when that sum is positive. The differences live in a B+-tree
// whose nodes also hold prefix sums:
//   - a leaf keeps pre[i], the sum of the differences of its first i keys;
//   - an inner node keeps pre[i], the sum of everything under its first i
//     children.
// So a count is one walk from the root to a leaf that adds one pre[] per
// level; an add or a remove changes two differences, each a walk that fixes
// pre[] along its path and splits or merges at most one node per level:
// O(B log n) either way, never a rebuild.
//
// Nodes are split and merged top-down (CLRS style), so one pass from the root
// does each update; keys whose difference drops to zero are removed, so the
// tree holds at most two keys per rule. The walk is branch-free within a node
// and prefetches a node's other lines as soon as its address is known, but
// its nodes are about 70% full and carry counts, so it touches two to three
// times the memory of coverage_snapshot: the snapshot answers most checks.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace coronet::net::detail {

// B: key slots per node (a leaf holds up to B - 1 keys, an inner node up to B
// children). 16 x 4-byte keys fill one cache line, 8 x 16-byte keys two.
template <class Key, int B = (sizeof(Key) > 8 ? 8 : 16)>
class coverage_tree {
  static_assert(B >= 4 && B % 2 == 0, "B must be even and at least 4");

 public:
  coverage_tree() { clear(); }

  void clear() {
    leaves_.clear();
    inners_.clear();
    leaf_n_.clear();
    inner_n_.clear();
    inner_total_.clear();
    free_leaves_.clear();
    free_inners_.clear();
    flat none{};
    root_ = new_leaf();
    write_leaf(root_, none, 0, 0);
    height_ = 0;
    total_ = 0;
    size_ = 0;
  }

  // Adds delta to the count of every key in [lo, hi].
  void add(Key lo, Key hi, int delta) {
    if (lo > hi || delta == 0) return;
    bump(lo, delta);
    if (hi != kmax) bump(static_cast<Key>(hi + 1), -delta);
  }

  bool covered(Key x) const noexcept { return count(x) > 0; }

  // How many rules cover x: the sum of the differences at keys <= x.
  int count(Key x) const noexcept {
    // Unused key slots hold kmax so that rank() never counts them; only
    // x == kmax could, and its count is the sum of all differences.
    if (x == kmax) [[unlikely]]
      return total_;
    int acc = 0;
    std::uint32_t id = root_;
    for (int level = height_; level > 0; --level) {
      const inner& in = inners_[id];
      __builtin_prefetch(&in.pre);
      __builtin_prefetch(&in.child);
      int c = rank(in.keys, x);
      acc += in.pre[c];
      id = in.child[c];
    }
    const leaf& lf = leaves_[id];
    __builtin_prefetch(&lf.pre);
    return acc + lf.pre[rank(lf.keys, x)];
  }

  // Keys stored, i.e. places where the count changes.
  std::size_t boundaries() const noexcept { return size_; }

  // Calls f(key, difference) for every key in increasing order.
  template <class F>
  void for_each(F&& f) const {
    visit(root_, height_, f);
  }

  // For tests: every structural invariant the walks rely on.
  bool valid() const {
    std::size_t keys = 0;
    int total = 0;
    if (!valid_node(root_, height_, true, Key{0}, kmax, false, keys, total)) return false;
    return keys == size_ && total == total_;
  }

 private:
  static constexpr Key kmax = std::numeric_limits<Key>::max();
  static constexpr int leaf_cap = B - 1;      // the last key slot is always padding
  static constexpr int inner_cap = B;         // children; B - 1 separators
  static constexpr int min_fill = B / 2 - 1;  // entries of any node but the root

  struct alignas(64) leaf {
    Key keys[B];  // sorted; kmax from the n-th slot on
    int pre[B];   // pre[i]: the sum of the differences at keys[0, i)
  };

  struct alignas(64) inner {
    Key keys[B];  // keys under child i are < keys[i] <= keys under child i + 1; kmax when unused
    int pre[B];   // pre[i]: the sum of everything under children [0, i)
    std::uint32_t child[B];
  };

  // A node's entries unpacked (two nodes' worth), for restructuring. For a
  // leaf, key[i] and val[i] are a key and its difference; for an inner node,
  // child[i] and val[i] are a child and its total, and key[i] separates child
  // i from child i + 1.
  struct flat {
    Key key[2 * B];
    int val[2 * B];
    std::uint32_t child[2 * B];
    int n = 0;
  };

  enum class op { insert, modify, erase };

  // How many of keys[0, B) are <= x. A fixed-length sum without branches:
  // the compiler turns it into a few SIMD compares, and nothing mispredicts.
  static int rank(const Key* keys, Key x) noexcept {
    int r = 0;
    for (int i = 0; i < B; ++i) r += keys[i] <= x;
    return r;
  }

  // The same over the first n keys only, for updates (where x may be kmax).
  static int rank_n(const Key* keys, int n, Key x) noexcept {
    int r = 0;
    while (r < n && keys[r] <= x) ++r;
    return r;
  }

  // Adds d to the difference at key k.
  void bump(Key k, int d) {
    std::uint32_t id = root_;
    for (int level = height_; level > 0; --level) id = inners_[id].child[rank_n(inners_[id].keys, inner_n_[id] - 1, k)];
    const leaf& lf = leaves_[id];
    int r = rank_n(lf.keys, leaf_n_[id], k);
    if (r == 0 || lf.keys[r - 1] != k) return walk(k, d, op::insert);
    int old = lf.pre[r] - lf.pre[r - 1];
    walk(k, d, old + d == 0 ? op::erase : op::modify);
  }

  // One pass from the root: on the way down, split full children (insert) or
  // refill thin ones (erase) so the change at the leaf never has to go back
  // up, and add d to the prefix sums to the right of the path.
  void walk(Key k, int d, op o) {
    if (o == op::insert && size_of(root_, height_) == cap(height_)) grow_root();
    std::uint32_t id = root_;
    for (int level = height_; level > 0; --level) {
      int c = route(id, k);
      std::uint32_t ch = inners_[id].child[c];
      int n = size_of(ch, level - 1);
      if ((o == op::insert && n == cap(level - 1)) || (o == op::erase && n <= min_fill)) {
        if (o == op::insert)
          split_child(id, c, level - 1);
        else
          refill_child(id, c, level - 1);
        c = route(id, k);
        ch = inners_[id].child[c];
      }
      inner& in = inners_[id];
      for (int j = c + 1; j < inner_n_[id]; ++j) in.pre[j] += d;
      inner_total_[id] += d;
      id = ch;
    }
    flat f{};  // value-initialised: g++ cannot see that only [0, n) is read
    read_leaf(id, f);
    int r = rank_n(f.key, f.n, k);
    if (o == op::insert) {
      for (int i = f.n; i > r; --i) f.key[i] = f.key[i - 1], f.val[i] = f.val[i - 1];
      f.key[r] = k, f.val[r] = d, ++f.n, ++size_;
    } else if (o == op::erase) {
      for (int i = r - 1; i + 1 < f.n; ++i) f.key[i] = f.key[i + 1], f.val[i] = f.val[i + 1];
      --f.n, --size_;
    } else {
      f.val[r - 1] += d;
    }
    write_leaf(id, f, 0, f.n);
    total_ += d;
    // A merge below the root can leave it with a single child.
    while (height_ > 0 && inner_n_[root_] == 1) {
      std::uint32_t old = root_;
      root_ = inners_[old].child[0];
      free_inners_.push_back(old);
      --height_;
    }
  }

  int route(std::uint32_t id, Key k) const noexcept { return rank_n(inners_[id].keys, inner_n_[id] - 1, k); }

  static constexpr int cap(int level) noexcept { return level == 0 ? leaf_cap : inner_cap; }

  int size_of(std::uint32_t id, int level) const noexcept { return level == 0 ? leaf_n_[id] : inner_n_[id]; }

  int total_of(std::uint32_t id, int level) const noexcept {
    return level == 0 ? leaves_[id].pre[leaf_n_[id]] : inner_total_[id];
  }

  void grow_root() {
    std::uint32_t fresh = new_inner();
    flat g;
    g.child[0] = root_, g.val[0] = total_of(root_, height_), g.n = 1;
    write_inner(fresh, g, 0, 1);
    root_ = fresh;
    ++height_;
  }

  // Splits the full child c of parent p in two halves.
  void split_child(std::uint32_t p, int c, int level) {
    flat f{};  // value-initialised: g++ cannot see that only [0, n) is read
    std::uint32_t left = inners_[p].child[c];
    read(left, level, f);
    std::uint32_t right = level == 0 ? new_leaf() : new_inner();
    int half = f.n / 2;
    write(left, level, f, 0, half);
    write(right, level, f, half, f.n);
    flat g;
    read_inner(p, g);
    for (int i = g.n; i > c + 1; --i) g.child[i] = g.child[i - 1], g.val[i] = g.val[i - 1];
    for (int i = g.n - 1; i > c; --i) g.key[i] = g.key[i - 1];
    g.key[c] = separator(f, half, level);
    g.child[c + 1] = right;
    g.val[c] = total_of(left, level), g.val[c + 1] = total_of(right, level);
    ++g.n;
    write_inner(p, g, 0, g.n);
  }

  // Child c of parent p holds min_fill entries or fewer: merge it with a
  // sibling, or share the two siblings' entries evenly if they do not fit in
  // one node. Either way both end with more than min_fill.
  void refill_child(std::uint32_t p, int c, int level) {
    flat g;
    read_inner(p, g);
    int a = c + 1 < g.n ? c : c - 1, b = a + 1;
    flat f{};  // value-initialised: g++ cannot see that only [0, n) is read
    read(g.child[a], level, f);
    if (level > 0) f.key[f.n - 1] = g.key[a];  // the parent's separator comes down between them
    read(g.child[b], level, f);
    if (f.n <= cap(level)) {
      write(g.child[a], level, f, 0, f.n);
      (level == 0 ? free_leaves_ : free_inners_).push_back(g.child[b]);
      for (int i = b; i + 1 < g.n; ++i) g.child[i] = g.child[i + 1], g.val[i] = g.val[i + 1];
      for (int i = a; i + 2 < g.n; ++i) g.key[i] = g.key[i + 1];
      --g.n;
      g.val[a] = total_of(g.child[a], level);
    } else {
      int half = f.n / 2;
      write(g.child[a], level, f, 0, half);
      write(g.child[b], level, f, half, f.n);
      g.key[a] = separator(f, half, level);
      g.val[a] = total_of(g.child[a], level), g.val[b] = total_of(g.child[b], level);
    }
    write_inner(p, g, 0, g.n);
  }

  // The key that goes up to the parent when f is cut before entry half.
  static Key separator(const flat& f, int half, int level) noexcept {
    return level == 0 ? f.key[half] : f.key[half - 1];
  }

  void read(std::uint32_t id, int level, flat& f) const { level == 0 ? read_leaf(id, f) : read_inner(id, f); }

  void write(std::uint32_t id, int level, const flat& f, int from, int to) {
    level == 0 ? write_leaf(id, f, from, to) : write_inner(id, f, from, to);
  }

  // Appends the leaf's keys and differences to f.
  void read_leaf(std::uint32_t id, flat& f) const {
    const leaf& lf = leaves_[id];
    for (int i = 0; i < leaf_n_[id]; ++i, ++f.n) f.key[f.n] = lf.keys[i], f.val[f.n] = lf.pre[i + 1] - lf.pre[i];
  }

  void write_leaf(std::uint32_t id, const flat& f, int from, int to) {
    leaf& lf = leaves_[id];
    int n = to - from, sum = 0;
    for (int i = 0; i < B; ++i) {
      lf.keys[i] = i < n ? f.key[from + i] : kmax;
      lf.pre[i] = sum;
      if (i < n) sum += f.val[from + i];
    }
    leaf_n_[id] = n;
  }

  // Appends the node's children and totals to f, and its separators after
  // f.key[f.n - 1] (which the caller fills when joining two nodes).
  void read_inner(std::uint32_t id, flat& f) const {
    const inner& in = inners_[id];
    int n = inner_n_[id];
    for (int i = 0; i < n; ++i) {
      f.child[f.n + i] = in.child[i];
      f.val[f.n + i] = (i + 1 < n ? in.pre[i + 1] : inner_total_[id]) - in.pre[i];
      if (i + 1 < n) f.key[f.n + i] = in.keys[i];
    }
    f.n += n;
  }

  void write_inner(std::uint32_t id, const flat& f, int from, int to) {
    inner& in = inners_[id];
    int n = to - from, sum = 0;
    for (int i = 0; i < B; ++i) {
      in.keys[i] = i + 1 < n ? f.key[from + i] : kmax;
      in.child[i] = i < n ? f.child[from + i] : 0;
      in.pre[i] = sum;
      if (i < n) sum += f.val[from + i];
    }
    inner_n_[id] = n;
    inner_total_[id] = sum;
  }

  std::uint32_t new_leaf() {
    if (!free_leaves_.empty()) {
      auto id = free_leaves_.back();
      free_leaves_.pop_back();
      return id;
    }
    leaves_.emplace_back();
    leaf_n_.push_back(0);
    return static_cast<std::uint32_t>(leaves_.size() - 1);
  }

  std::uint32_t new_inner() {
    if (!free_inners_.empty()) {
      auto id = free_inners_.back();
      free_inners_.pop_back();
      return id;
    }
    inners_.emplace_back();
    inner_n_.push_back(0);
    inner_total_.push_back(0);
    return static_cast<std::uint32_t>(inners_.size() - 1);
  }

  template <class F>
  void visit(std::uint32_t id, int level, F& f) const {
    if (level == 0) {
      const leaf& lf = leaves_[id];
      for (int i = 0; i < leaf_n_[id]; ++i) f(lf.keys[i], lf.pre[i + 1] - lf.pre[i]);
      return;
    }
    for (int i = 0; i < inner_n_[id]; ++i) visit(inners_[id].child[i], level - 1, f);
  }

  // Keys under the node lie in [lo, hi) (hi included when hi_open is false,
  // i.e. for the rightmost path whose bound is kmax itself).
  bool valid_node(std::uint32_t id, int level, bool is_root, Key lo, Key hi, bool hi_open, std::size_t& keys,
                  int& total) const {
    auto in_bounds = [&](Key k) { return k >= lo && (hi_open ? k < hi : k <= hi); };
    int n = size_of(id, level);
    if (n > cap(level) || (!is_root && n < min_fill)) return false;
    if (level == 0) {
      const leaf& lf = leaves_[id];
      for (int i = 0; i < B; ++i) {
        if (i >= n && lf.keys[i] != kmax) return false;
        if (i < n && (!in_bounds(lf.keys[i]) || (i > 0 && lf.keys[i - 1] >= lf.keys[i]))) return false;
        if (i < n && lf.pre[i + 1] == lf.pre[i]) return false;  // zero differences are removed
      }
      keys += static_cast<std::size_t>(n);
      total += lf.pre[n];
      return true;
    }
    const inner& in = inners_[id];
    if (n < (is_root ? 2 : 1)) return false;
    int sum = 0;
    for (int i = 0; i < n; ++i) {
      if (in.pre[i] != sum) return false;
      Key clo = i == 0 ? lo : in.keys[i - 1];
      Key chi = i + 1 < n ? in.keys[i] : hi;
      bool open = i + 1 < n ? true : hi_open;
      if (i + 1 < n && (!in_bounds(in.keys[i]) || (i > 0 && in.keys[i - 1] >= in.keys[i]))) return false;
      int sub = 0;
      if (!valid_node(in.child[i], level - 1, false, clo, chi, open, keys, sub)) return false;
      sum += sub;
    }
    for (int i = n - 1; i < B; ++i)
      if (in.keys[i] != kmax) return false;
    total += sum;
    return sum == inner_total_[id];
  }

  // The query path reads only leaves_ and inners_; the rest serves updates.
  std::vector<leaf> leaves_;
  std::vector<inner> inners_;
  std::vector<int> leaf_n_, inner_n_, inner_total_;
  std::vector<std::uint32_t> free_leaves_, free_inners_;
  std::uint32_t root_ = 0;
  int height_ = 0;  // inner levels above the leaves
  int total_ = 0;   // the sum of all differences: the count at kmax
  std::size_t size_ = 0;
};

}  // namespace coronet::net::detail
