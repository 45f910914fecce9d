#include "coronet/net/address/is_ip.hpp"

#include "ip_text.hpp"

namespace coronet::net {
namespace {

bool zone_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == ':';
}

}  // namespace

bool is_ipv4(std::string_view input) noexcept {
  std::uint32_t ignored;
  return detail::parse_ipv4(input, ignored);
}

bool is_ipv6(std::string_view input) noexcept {
  // Node's regex and libuv's parser agree on the address part; only the zone
  // rules differ, so check the zone here and parse the rest.
  auto percent = input.find('%');
  if (percent != std::string_view::npos) {
    auto zone = input.substr(percent + 1);
    if (zone.empty()) return false;
    for (char c : zone)
      if (!zone_char(c)) return false;
    input = input.substr(0, percent);
  }
  detail::ip_bytes ignored;
  return detail::parse_ipv6(input, ignored);
}

int is_ip(std::string_view input) noexcept {
  if (is_ipv4(input)) return 4;
  if (is_ipv6(input)) return 6;
  return 0;
}

}  // namespace coronet::net
