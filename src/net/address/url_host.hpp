// Internal: the part of WHATWG URL parsing that SocketAddress.parse relies on.
// Node's parse() is `new URL('http://' + input)` followed by a SocketAddress
// built from the URL's hostname and port, so what it accepts is exactly an
// http URL whose host is an IP address.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ip_text.hpp"

namespace coronet::net::detail {

struct http_endpoint {
  bool v6 = false;
  ip_bytes bytes{};        // IPv4 as ::ffff:a.b.c.d
  std::uint16_t port = 0;  // 0 when absent; an explicit 80 is kept
};

// Empty where the URL is invalid or its host is not an IP address. Hosts
// with non-ASCII text (after percent-decoding) are refused: we do not carry
// the UTS 46 mapping tables that would turn e.g. fullwidth digits into ASCII.
std::optional<http_endpoint> parse_http_endpoint(std::string_view input);

}  // namespace coronet::net::detail
