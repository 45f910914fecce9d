// keep_alive: holds a loop's run() open, like a referenced handle in Node.
//
// For work the loop cannot see: another thread that will post() back, or a
// higher-level handle (a node:net socket) that should keep the process alive
// whether or not an operation is pending. Movable; reset() or destruction
// lets go. Use it on the loop's thread only.
#pragma once

#include <utility>

namespace coronet {

class loop;

class keep_alive {
 public:
  keep_alive() noexcept = default;
  explicit keep_alive(loop& l) noexcept;
  keep_alive(keep_alive&& o) noexcept : loop_(std::exchange(o.loop_, nullptr)) {}
  keep_alive& operator=(keep_alive&& o) noexcept {
    if (this != &o) {
      reset();
      loop_ = std::exchange(o.loop_, nullptr);
    }
    return *this;
  }
  ~keep_alive() { reset(); }

  void reset() noexcept;
  bool holding() const noexcept { return loop_ != nullptr; }

 private:
  loop* loop_ = nullptr;
};

}  // namespace coronet
