// Internal: which keys some rule covers, for block_list::check().
//
// Two structures, because no one layout is both cheap to update and cheap to
// search:
//   - coverage_tree keeps the exact count of rules per key and takes every
//     add and remove in O(log n), with no rebuilds;
//   - coverage_snapshot is a flat, read-only copy of the covered set that
//     answers a check with one or two cache misses, several times faster
//     than the tree (bench/block_list: about 50M against 15M checks/s).
// An update goes to the tree and marks the snapshot stale. While it is stale,
// checks ask the tree, and one of them rebuilds the snapshot (O(n), without
// allocating) once that is paid for: after n/8 updates (O(1) per update), or
// after n/16 + 64 checks answered by the slower tree (O(1) per check). So a
// list that is built and then mostly read, the common case, answers from the
// snapshot, and a list under churn never rebuilds more than its churn pays
// for.
//
// TRICKY: check() is const and may run on several threads at once, so the
// rebuild takes a mutex (try_lock: a thread that does not get it asks the
// tree), and the snapshot is read only while fresh_ says it is complete.
// Updates need exclusive access anyway, like any non-const member.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include "coverage_snapshot.hpp"
#include "coverage_tree.hpp"

namespace coronet::net::detail {

template <class Key>
class coverage_index {
 public:
  void clear() {
    tree_.clear();
    snapshot_.clear();
    fresh_.store(true, std::memory_order_relaxed);
    updates_.store(0, std::memory_order_relaxed);
    slow_checks_.store(0, std::memory_order_relaxed);
  }

  // Adds delta to the count of every key in [lo, hi].
  void add(Key lo, Key hi, int delta) {
    tree_.add(lo, hi, delta);
    // The snapshot never holds more keys than the tree; room for them now
    // lets check() rebuild without allocating.
    snapshot_.reserve(tree_.boundaries());
    fresh_.store(false, std::memory_order_relaxed);
    updates_.fetch_add(1, std::memory_order_relaxed);
  }

  bool covered(Key x) const noexcept {
    if (fresh_.load(std::memory_order_acquire)) [[likely]]
      return snapshot_.covered(x);
    return covered_while_stale(x);
  }

  std::size_t boundaries() const noexcept { return tree_.boundaries(); }

  // For tests: whether checks are answered by the snapshot right now.
  bool snapshot_fresh() const noexcept { return fresh_.load(std::memory_order_acquire); }

 private:
  bool covered_while_stale(Key x) const noexcept {
    std::size_t n = tree_.boundaries();
    std::size_t slow = slow_checks_.fetch_add(1, std::memory_order_relaxed) + 1;
    if ((updates_.load(std::memory_order_relaxed) >= n / 8 || slow >= n / 16 + 64) && rebuild())
      return snapshot_.covered(x);
    return tree_.covered(x);
  }

  // False when another thread holds the rebuild.
  bool rebuild() const noexcept {
    std::unique_lock lock(rebuilding_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    if (fresh_.load(std::memory_order_relaxed)) return true;  // another thread just did it
    snapshot_.begin_rebuild();
    int count = 0;
    bool on = false;
    tree_.for_each([&](Key key, int difference) {
      count += difference;
      if ((count > 0) != on) on = !on, snapshot_.push(key);
    });
    snapshot_.end_rebuild();
    updates_.store(0, std::memory_order_relaxed);
    slow_checks_.store(0, std::memory_order_relaxed);
    fresh_.store(true, std::memory_order_release);
    return true;
  }

  coverage_tree<Key> tree_;
  mutable coverage_snapshot<Key> snapshot_;
  mutable std::atomic<bool> fresh_{true};                         // the snapshot matches the tree
  mutable std::atomic<std::size_t> updates_{0}, slow_checks_{0};  // since the last rebuild
  mutable std::mutex rebuilding_;
};

}  // namespace coronet::net::detail
