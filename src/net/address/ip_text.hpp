// Internal: the address text rules node:net inherits from libuv, in one place.
// Node's SocketAddress and BlockList hand address text to uv_ip4_addr and
// uv_ip6_addr and print it back with uv_inet_ntop, so these functions follow
// those rules (not the isIP regexes, and not WHATWG URL host parsing).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace coronet::net::detail {

using u128 = unsigned __int128;
using ip_bytes = std::array<std::uint8_t, 16>;  // network order

// IPv4 in IPv6 form, ::ffff:a.b.c.d, so both families share one key space.
constexpr u128 mapped_base = static_cast<u128>(0xffff) << 32;

inline bool is_mapped(u128 key) noexcept { return (key >> 32) == 0xffff; }

inline u128 key_of(const ip_bytes& b) noexcept {
  u128 k = 0;
  for (auto byte : b) k = (k << 8) | byte;
  return k;
}

inline ip_bytes bytes_of(u128 k) noexcept {
  ip_bytes b{};
  for (int i = 15; i >= 0; --i, k >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(k);
  return b;
}

// Dotted decimal with exactly four parts, each 0-255, no leading zeros.
bool parse_ipv4(std::string_view text, std::uint32_t& out) noexcept;

// RFC 4291 text with at most one "::" and an optional trailing dotted quad;
// no zone id.
bool parse_ipv6(std::string_view text, ip_bytes& out) noexcept;

// What uv_ip6_addr accepts: an IPv6 address optionally followed by
// "%zone". The zone may be anything (even empty); like libuv, an address part
// of 46 or more characters is cut to 45 before parsing.
bool parse_ipv6_zoned(std::string_view text, ip_bytes& out, std::string_view& zone) noexcept;

std::string format_ipv4(std::uint32_t address);

// uv_inet_ntop's output: the first longest run of two or more zero groups
// becomes "::"; ::a.b.c.d and ::ffff:a.b.c.d keep a dotted tail.
std::string format_ipv6(const ip_bytes& address);

// ASCII case-insensitive comparison, used for family names.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace coronet::net::detail
