// net.SocketAddress: an IP address, port and (for IPv6) flow label, validated
// the way Node validates them.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coronet::net {

// new net.SocketAddress(options). Leave a member out to get Node's default.
struct socket_address_options {
  // Default: "127.0.0.1" when family is exactly "ipv4", otherwise "::" (Node
  // decides this before lower-casing the family, so {.family = "IPv4"} with no
  // address is an invalid address, as in Node).
  std::optional<std::string_view> address{};
  std::string_view family = "ipv4";  // "ipv4" or "ipv6", any case
  std::int64_t port = 0;             // 0..65535
  std::int64_t flowlabel = 0;        // 0..0xFFFFF; ignored for IPv4
};

class socket_address {
 public:
  // 127.0.0.1, port 0, like `new SocketAddress()`.
  socket_address();

  // Throws net::error: ERR_INVALID_ARG_VALUE for an unknown family,
  // ERR_SOCKET_BAD_PORT for a port outside 0..65535, ERR_OUT_OF_RANGE for a
  // flow label outside 0..0xFFFFF, ERR_INVALID_ADDRESS for an address that is
  // not valid text for the family (IPv6 may carry a "%zone").
  explicit socket_address(const socket_address_options& options);

  // SocketAddress.parse: "1.2.3.4:80", "[::1]:8080", "0x7f.1". Accepts what
  // Node's `new URL('http://' + input)` accepts when the host is an IP
  // address, with the URL's normalisation, except that an explicit port 80
  // is kept (Node v26 reads it back as 0, its main branch fixed that).
  // Empty where Node returns undefined.
  static std::optional<socket_address> parse(std::string_view input);

  // For the I/O layer. from_sockaddr is empty for families other than
  // AF_INET and AF_INET6 or a length too short for the family.
  static std::optional<socket_address> from_sockaddr(const sockaddr* address, socklen_t length) noexcept;
  socklen_t to_sockaddr(sockaddr_storage& out) const noexcept;

  // As Node prints it: "127.0.0.1", "::ffff:1.2.3.4", "fe80::1" (no zone).
  std::string address() const;
  std::string_view family() const noexcept { return v6_ ? "ipv6" : "ipv4"; }
  std::uint16_t port() const noexcept { return port_; }
  std::uint32_t flowlabel() const noexcept { return flowlabel_; }

  // The address as 16 bytes in network order; IPv4 as ::ffff:a.b.c.d.
  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  bool is_ipv6() const noexcept { return v6_; }

  friend bool operator==(const socket_address&, const socket_address&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  bool v6_ = false;
  std::uint16_t port_ = 0;
  std::uint32_t flowlabel_ = 0;
  std::uint32_t scope_id_ = 0;
};

}  // namespace coronet::net
