// connect_args and listen_args: what net::promises::connect and listen take
// when the options are written braced inside the co_await expression:
//
//     co_await net::promises::listen(*srv, {.port = 0, .host = "::1"});
//
// g++ 12 (Debian 12's compiler) destroys such a braced temporary twice when
// its destructor does anything, and connect_options and
// server_listen_options own strings. These hold views instead (nothing to
// destroy), and the call copies them into owned options before it returns,
// so the strings they view need only last for the call. The fields, their
// order and defaults are connect_options' and server_listen_options'. Named
// options (`net::connect_options o{...}; co_await connect(l, o);`) go on
// working, and are what a custom `lookup` needs.
#pragma once

#include <coronet/net/socket_options.hpp>

#include <optional>
#include <stop_token>
#include <string_view>
#include <type_traits>

namespace coronet::net {

class bound_socket;

// A stop token by reference: `.signal = token` with a named token.
struct signal_ref {
  const std::stop_token* token = nullptr;
  signal_ref() = default;
  signal_ref(const std::stop_token& t) noexcept : token(&t) {}  // NOLINT: implicit, as `.signal = token`
};

struct connect_args {
  std::optional<int> port{};
  std::string_view host = "localhost";
  std::string_view path{};
  std::string_view local_address{};
  int local_port = 0;
  int family = 0;
  int hints = 0;
  bool no_delay = false;
  bool keep_alive = false;
  unsigned keep_alive_initial_delay = 0;
  std::optional<unsigned> timeout{};
  std::optional<int> type_of_service{};
  const ::coronet::net::block_list* block_list = nullptr;
  std::optional<bool> auto_select_family{};
  std::optional<int> auto_select_family_attempt_timeout{};
  eyeballs happy_eyeballs = eyeballs::race;
};

struct listen_args {
  bound_socket* handle = nullptr;
  std::optional<int> port{};
  std::string_view host{};
  std::string_view path{};
  int backlog = 511;
  bool exclusive = false;
  bool reuse_port = false;
  bool ipv6_only = false;
  bool readable_all = false;
  bool writable_all = false;
  signal_ref signal{};
};

// The property the whole point rests on.
static_assert(std::is_trivially_destructible_v<connect_args>);
static_assert(std::is_trivially_destructible_v<listen_args>);

}  // namespace coronet::net
