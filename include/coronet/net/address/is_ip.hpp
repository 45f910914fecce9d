// net.isIP, net.isIPv4, net.isIPv6: pure text tests, no lookups, no allocation.
#pragma once

#include <string_view>

namespace coronet::net {

// Dotted decimal: four parts 0-255 without leading zeros ("127.0.0.1" yes,
// "127.000.000.001" and "127.1" no).
bool is_ipv4(std::string_view input) noexcept;

// RFC 4291 text ("::1", "::ffff:127.0.0.1", "fe80::1%eth0"). A zone id after
// '%' is allowed if it is non-empty and made of letters, digits, '-', '.', ':'.
bool is_ipv6(std::string_view input) noexcept;

// 4 for IPv4, 6 for IPv6, 0 for anything else.
int is_ip(std::string_view input) noexcept;

}  // namespace coronet::net
