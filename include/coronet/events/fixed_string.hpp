// fixed_string: a string literal that can be a template argument, so event
// names can stay Node's strings (`on<"data">`) and still be checked by the
// compiler.
#pragma once

#include <cstddef>
#include <string_view>

namespace coronet::events {

// A structural type (public array member, no user-provided comparison that
// the language would need) so `template <fixed_string Name>` accepts a
// literal directly: the deduction guide turns "data" into fixed_string<5>.
template <std::size_t N>
struct fixed_string {
  // N counts the terminating '\0', as in the literal's array type.
  char value[N]{};

  constexpr fixed_string(const char (&text)[N]) noexcept {  // NOLINT: implicit on purpose
    for (std::size_t i = 0; i < N; ++i) value[i] = text[i];
  }

  constexpr std::string_view view() const noexcept { return {value, N - 1}; }
  constexpr std::size_t size() const noexcept { return N - 1; }

  // Names of different lengths are simply different names.
  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& other) const noexcept {
    return view() == other.view();
  }
};

template <std::size_t N>
fixed_string(const char (&)[N]) -> fixed_string<N>;

}  // namespace coronet::events

namespace coronet::net {
// node:net names its events with it; net::fixed_string keeps compiling.
using events::fixed_string;
}  // namespace coronet::net
