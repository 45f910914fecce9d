// The loop's timer heap: a binary min-heap of intrusive nodes ordered by
// (expiry, start order). Adding and removing are O(log n) and allocate only
// when the heap outgrows its capacity.
#include "loop_impl.hpp"

namespace coronet::detail {

namespace {
bool earlier(const timer_node* a, const timer_node* b) noexcept {
  return a->expiry < b->expiry || (a->expiry == b->expiry && a->seq < b->seq);
}
}  // namespace

void loop_impl::heap_swap(std::size_t a, std::size_t b) noexcept {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->heap_index = a;
  heap_[b]->heap_index = b;
}

void loop_impl::heap_up(std::size_t i) noexcept {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!earlier(heap_[i], heap_[parent])) break;
    heap_swap(i, parent);
    i = parent;
  }
}

void loop_impl::heap_down(std::size_t i) noexcept {
  for (;;) {
    std::size_t smallest = i;
    std::size_t l = 2 * i + 1, r = l + 1;
    if (l < heap_.size() && earlier(heap_[l], heap_[smallest])) smallest = l;
    if (r < heap_.size() && earlier(heap_[r], heap_[smallest])) smallest = r;
    if (smallest == i) break;
    heap_swap(i, smallest);
    i = smallest;
  }
}

void loop_impl::timer_add(timer_node* t) noexcept {
  if (t->heap_index != timer_node::not_queued) timer_remove(t);
  t->seq = ++timer_seq_;
  t->heap_index = heap_.size();
  heap_.push_back(t);
  heap_up(t->heap_index);
  if (t->referenced) ++refs_;
}

void loop_impl::timer_remove(timer_node* t) noexcept {
  std::size_t i = t->heap_index;
  if (i == timer_node::not_queued) return;
  if (t->referenced) --refs_;
  std::size_t last = heap_.size() - 1;
  if (i != last) heap_swap(i, last);
  heap_.pop_back();
  t->heap_index = timer_node::not_queued;
  if (i < heap_.size()) {
    heap_down(i);
    heap_up(i);
  }
}

void loop_impl::timer_set_ref(timer_node* t, bool referenced) noexcept {
  if (t->referenced == referenced) return;
  if (t->heap_index != timer_node::not_queued) refs_ += referenced ? 1 : -1;
  t->referenced = referenced;
}

void loop_impl::fire_timers() noexcept {
  // Timers added while firing (a deadline pushed back, a new sleep of 0)
  // wait for the next turn so this loop always ends.
  std::uint64_t last_seq = timer_seq_;
  while (!heap_.empty()) {
    timer_node* t = heap_.front();
    if (t->expiry > now_ || t->seq > last_seq) break;
    timer_remove(t);
    t->fire(t);
  }
}

}  // namespace coronet::detail
