// net::write_queue: the bytes socket.write() queued and the callbacks that
// wait for them.
//
// Writes append to the pending buffer (reusing its capacity, so a steady
// stream of writes allocates nothing); the writer takes all of it as one
// batch and hands it to the kernel in one call. A callback remembers where
// its bytes end and runs once that much has gone out, or with the error the
// socket chooses when the queue fails.
#pragma once

#include <coronet/net/error_info.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::net {

using write_callback = std::function<void(const error_info*)>;

class write_queue {
 public:
  void push(std::string_view data, write_callback cb);

  // Queued plus being written: Node's writableLength (without a layer's).
  std::size_t size() const noexcept { return pending_.size() + batch_.size(); }
  std::size_t pending_size() const noexcept { return pending_.size(); }
  bool has_pending() const noexcept { return !pending_.empty(); }
  bool writing() const noexcept { return !batch_.empty(); }
  std::span<const std::byte> pending_bytes() const noexcept { return std::as_bytes(std::span(pending_)); }

  // Everything pending becomes the batch being written.
  std::span<const std::byte> take_batch() noexcept;
  // The kernel took `n` bytes of the batch before the writer stopped.
  void set_sent(std::size_t n) noexcept { sent_ = n; }
  // The kernel did not take the whole batch (destroy() stopped it).
  bool batch_cut() const noexcept { return sent_ < batch_.size(); }
  // The batch went out whole: calls `before_callbacks` (Node's afterWrite
  // emits `drain` there), then the batch's callbacks with no error, keeping
  // the vector's capacity for the next batch.
  template <class F>
  void batch_done(F&& before_callbacks) {
    batch_.clear();
    sent_ = 0;
    auto done = std::move(batch_callbacks_);
    batch_callbacks_.clear();
    before_callbacks();
    for (auto& w : done) w.cb(nullptr);
    if (batch_callbacks_.empty()) {  // nobody swapped in meanwhile
      done.clear();
      batch_callbacks_ = std::move(done);
    }
  }

  // Forgets the pending bytes; their callbacks still wait for fail().
  void drop_pending() noexcept { pending_.clear(); }
  // Fails every waiting callback: a batch write the kernel took whole
  // succeeded, the one it cut (or the batch's first) gets `cut`, the
  // others `queued`. Empties the queue.
  void fail(const error_info& cut, const error_info& queued);
  // Fails the pending callbacks only: those whose bytes end at or before
  // `mark` get `first`, the others `rest`.
  void fail_pending(std::size_t mark, const error_info& first, const error_info& rest);

 private:
  struct request {  // a write with a callback: its bytes are [start, end) of its buffer
    std::size_t start, end;
    write_callback cb;
  };

  std::string pending_{};  // queued, not yet handed to the kernel
  std::string batch_{};    // being written now
  std::vector<request> pending_callbacks_{};
  std::vector<request> batch_callbacks_{};
  std::size_t sent_ = 0;  // how much of batch_ the kernel took before destroy() stopped it
};

}  // namespace coronet::net
