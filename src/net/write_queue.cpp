// net::write_queue: see write_queue.hpp.
#include <coronet/net/write_queue.hpp>

#include <utility>

namespace coronet::net {

void write_queue::push(std::string_view data, write_callback cb) {
  const std::size_t start = pending_.size();
  pending_.append(data);
  if (cb) pending_callbacks_.push_back({start, pending_.size(), std::move(cb)});
}

std::span<const std::byte> write_queue::take_batch() noexcept {
  batch_.swap(pending_);
  pending_.clear();
  batch_callbacks_.swap(pending_callbacks_);
  pending_callbacks_.clear();
  sent_ = 0;
  return std::as_bytes(std::span(batch_));
}

void write_queue::fail(const error_info& cut, const error_info& queued) {
  const std::size_t sent = sent_;
  for (auto& w : std::exchange(batch_callbacks_, {})) {
    const bool whole = w.end <= sent;
    const bool was_cut = w.start < sent || w.start == 0;
    w.cb(whole ? nullptr : was_cut ? &cut : &queued);
  }
  sent_ = 0;
  for (auto& w : std::exchange(pending_callbacks_, {})) w.cb(&queued);
  pending_.clear();
  batch_.clear();
}

void write_queue::fail_pending(std::size_t mark, const error_info& first, const error_info& rest) {
  for (auto& w : std::exchange(pending_callbacks_, {})) w.cb(w.end <= mark ? &first : &rest);
}

}  // namespace coronet::net
