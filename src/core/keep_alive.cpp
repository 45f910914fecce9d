#include <coronet/keep_alive.hpp>

#include "loop_impl.hpp"

namespace coronet {

keep_alive::keep_alive(loop& l) noexcept : loop_(&l) { detail::impl_of(l).add_ref(); }

void keep_alive::reset() noexcept {
  if (loop_) detail::impl_of(*std::exchange(loop_, nullptr)).drop_ref();
}

}  // namespace coronet
