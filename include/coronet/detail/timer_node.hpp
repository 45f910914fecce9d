// An entry in the loop's timer heap. Public only because deadline and
// sleep_for embed one; users never touch it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace coronet::detail {

using clock = std::chrono::steady_clock;

struct timer_node {
  static constexpr std::size_t not_queued = static_cast<std::size_t>(-1);
  using fire_fn = void (*)(timer_node*) noexcept;

  clock::time_point expiry{};  // when the heap entry pops
  std::size_t heap_index = not_queued;
  std::uint64_t seq = 0;  // orders timers with equal expiry by start
  fire_fn fire = nullptr;
  // Called when the loop is destroyed with this timer queued (after it is
  // taken out of the heap); null: the timer just never fires.
  fire_fn on_drain = nullptr;
  bool referenced = true;  // keeps loop::run() going while queued
  void* owner = nullptr;   // the object that embeds this node
};

}  // namespace coronet::detail
