// tls::connect_args: what tls::promises::connect takes when the options are
// written braced inside the co_await expression:
//
//     auto [err, s] = co_await tls::promises::connect(l, {.port = 8443, .ca = "ca.crt"});
//
// g++ 12 (Debian 12's compiler) destroys such a braced temporary twice when
// its destructor does anything, and connect_options owns strings, a vector,
// a shared_ptr and a std::function (net/promise_args.hpp tells the same
// story for net). These hold views instead (nothing to destroy), and the
// call copies them into an owned connect_options before it returns, so
// what they view need only last for the call. The fields, their order and
// defaults are connect_options'; three are narrower:
//   - secure_context, socket and signal refer to a named shared_ptr or
//     stop_token,
//   - alpn_protocols is a braced list of at most 8 names ({"h2", "http/1.1"}),
//   - check_server_identity is a plain function (a lambda without captures).
// Named options (`tls::connect_options o{...}; co_await connect(l, o);`)
// go on taking everything.
#pragma once

#include <coronet/net/promise_args.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/socket.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

namespace coronet::tls {

// A secure context by reference: `.secure_context = ctx` with a named ctx.
struct context_ref {
  const std::shared_ptr<::coronet::tls::secure_context>* context = nullptr;
  context_ref() = default;
  context_ref(const std::shared_ptr<::coronet::tls::secure_context>& c) noexcept  // NOLINT: implicit
      : context(&c) {}
};

// A net::socket (or tls::socket) by reference: `.socket = raw`.
struct socket_ref {
  ::coronet::net::socket* socket = nullptr;
  socket_ref() = default;
  template <class T>
  requires std::is_base_of_v<::coronet::net::socket, T> socket_ref(const std::shared_ptr<T>& s)
  noexcept  // NOLINT
      : socket(s.get()) {}
};

using check_server_identity_fn = std::optional<net::error_info> (*)(std::string_view hostname,
                                                                    const peer_certificate& cert);

// (g++ 12 cannot put an initializer_list's array in a co_await expression
// either: "array used as initializer". A std::array it can.)
inline constexpr std::size_t max_braced_alpn_protocols = 8;

struct connect_args {
  std::optional<int> port{};
  std::string_view host = "localhost";
  std::string_view path{};
  int family = 0;
  std::optional<unsigned> timeout{};
  bool allow_half_open = false;
  std::size_t high_water_mark = 64 * 1024;
  net::signal_ref signal{};
  socket_ref socket{};

  context_ref secure_context{};
  std::string_view key{};
  std::string_view cert{};
  std::string_view ca{};
  std::string_view passphrase{};
  std::string_view ciphers{};
  std::string_view min_version = "TLSv1.2";
  std::string_view max_version = "TLSv1.3";
  std::string_view servername{};
  std::array<std::string_view, max_braced_alpn_protocols> alpn_protocols{};  // the empty ones end it
  bool reject_unauthorized = true;
  std::string_view session{};
  check_server_identity_fn check_server_identity = nullptr;
};

// The property the whole point rests on.
static_assert(std::is_trivially_destructible_v<connect_args>);

}  // namespace coronet::tls
