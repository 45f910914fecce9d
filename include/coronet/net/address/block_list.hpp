// net.BlockList: rules that block IP addresses, ranges and subnets. check()
// is a lookup in an interval index (O(log n), no allocation), not a scan of
// the rules, so it stays cheap enough for every accepted connection as the
// list grows; adding or removing a rule is O(log n) too. bench/block_list
// measures both.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "coronet/net/address/socket_address.hpp"

namespace coronet::net {

// Node's `string|net.SocketAddress` argument. It is a view: what it was made
// from must outlive the call it is passed to.
class address_arg {
 public:
  address_arg(std::string_view text) noexcept : text_(text) {}
  address_arg(const char* text) noexcept : text_(text) {}
  address_arg(const std::string& text) noexcept : text_(text) {}
  address_arg(const socket_address& address) noexcept : address_(&address) {}

  const socket_address* address() const noexcept { return address_; }
  std::string_view text() const noexcept { return text_; }

 private:
  std::string_view text_;
  const socket_address* address_ = nullptr;
};

class block_list {
 public:
  // Private, loopback and link-local ranges, for add_cidrs().
  static constexpr std::array<std::string_view, 8> PRIVATE_RANGES = {
      "10.0.0.0/8", "172.16.0.0/12",  "192.168.0.0/16", "127.0.0.0/8",
      "::1/128",    "169.254.0.0/16", "fe80::/10",      "fc00::/7",
  };

  block_list();
  block_list(const block_list& other);
  block_list(block_list&&) noexcept;
  block_list& operator=(const block_list& other);
  block_list& operator=(block_list&&) noexcept;
  ~block_list();

  // BlockList.isBlockList(value): true for a block_list (or a class derived
  // from it), false for anything else.
  template <class T>
  static constexpr bool is_block_list(const T&) noexcept {
    return std::is_base_of_v<block_list, T>;
  }

  // Text arguments are parsed for `family` ("ipv4" or "ipv6", any case);
  // a socket_address brings its own family. These throw net::error like
  // Node: ERR_INVALID_ARG_VALUE for an unknown family or a range whose start
  // is after its end, ERR_INVALID_ADDRESS for text that is not an address of
  // the family, ERR_OUT_OF_RANGE for a prefix outside 0..32 (IPv4) or 0..128.
  void add_address(address_arg address, std::string_view family = "ipv4");
  // All addresses are validated before any is added.
  void add_addresses(std::span<const address_arg> addresses, std::string_view family = "ipv4");
  void add_addresses(std::initializer_list<address_arg> addresses, std::string_view family = "ipv4") {
    add_addresses(std::span<const address_arg>(addresses.begin(), addresses.size()), family);
  }
  void add_range(address_arg start, address_arg end, std::string_view family = "ipv4");
  void add_subnet(address_arg network, std::int64_t prefix, std::string_view family = "ipv4");
  // "10.0.0.0/8", "2001:db8::/32": IPv6 when the address part holds ':'.
  void add_cidr(std::string_view cidr);
  // All entries are validated before any is added.
  void add_cidrs(std::span<const std::string_view> cidrs);
  void add_cidrs(std::initializer_list<std::string_view> cidrs) {
    add_cidrs(std::span<const std::string_view>(cidrs.begin(), cidrs.size()));
  }

  // Remove every rule identical to the one described (same kind, family,
  // addresses and prefix as when added). Removing an absent rule does nothing.
  void remove_address(address_arg address, std::string_view family = "ipv4");
  void remove_range(address_arg start, address_arg end, std::string_view family = "ipv4");
  void remove_subnet(address_arg network, std::int64_t prefix, std::string_view family = "ipv4");
  void remove_cidr(std::string_view cidr);

  void clear() noexcept;
  std::size_t size() const noexcept;

  // True when any rule matches. IPv4 addresses and their IPv4-mapped IPv6
  // form (::ffff:a.b.c.d) match each other's address and subnet rules. Text
  // that is not an address gives false. As in current Node, text is read as
  // IPv4 when family is "ipv4" (any case) and as IPv6 otherwise. Never
  // allocates.
  bool check(address_arg address, std::string_view family = "ipv4") const noexcept;

  // Newest rule first: "Address: IPv4 1.2.3.4", "Range: IPv4 1.2.3.4-1.2.3.10",
  // "Subnet: IPv6 ::/64".
  std::vector<std::string> rules() const;

  // toJSON(): the rules as a JSON array of strings.
  std::string to_json() const;
  // fromJSON(): adds the rules found in a JSON array of strings, or in the
  // strings themselves, reading them with Node's patterns (entries that match
  // none are skipped). Throws ERR_INVALID_ARG_TYPE when the JSON is not an
  // array of strings and ERR_INVALID_ARG_VALUE when it is not JSON at all.
  void from_json(std::string_view json);
  void from_json(const std::vector<std::string>& rules);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace coronet::net
