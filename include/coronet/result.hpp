// result<T>: what an I/O awaitable gives back: an error code and a value.
//
// Both are public members so a caller can write
//     auto [ec, n] = co_await sock.read_some(buf);
// The value is meaningful only when `ec` is empty. The hot path never throws;
// errors travel in `ec`.
#pragma once

#include <system_error>
#include <utility>

namespace coronet {

template <class T>
struct result {
  std::error_code ec;
  T value{};

  explicit operator bool() const noexcept { return !ec; }
  T& operator*() & noexcept { return value; }
  T&& operator*() && noexcept { return std::move(value); }
  T* operator->() noexcept { return &value; }
};

}  // namespace coronet
