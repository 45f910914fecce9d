#include "coronet/net/address/socket_address.hpp"

#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "../messages.hpp"
#include "ip_text.hpp"
#include "url_host.hpp"

namespace coronet::net {
namespace {

// The IPv6 flow label is 20 bits; Node aborts the process on larger values,
// we throw instead.
constexpr std::int64_t max_flowlabel = 0xFFFFF;

}  // namespace

socket_address::socket_address() : bytes_(detail::bytes_of(detail::mapped_base | 0x7f000001)) {}

socket_address::socket_address(const socket_address_options& options) {
  // Node picks the default address from the family as given, then lower-cases.
  std::string_view text = options.address.value_or(options.family == "ipv4" ? "127.0.0.1" : "::");
  if (detail::iequals(options.family, "ipv4")) {
    v6_ = false;
  } else if (detail::iequals(options.family, "ipv6")) {
    v6_ = true;
  } else {
    throw detail::invalid_arg_value("options.family", detail::inspect_string(options.family));
  }
  if (options.port < 0 || options.port > 65535) throw detail::bad_port("options.port", options.port);
  if (options.flowlabel < 0 || options.flowlabel > 0xFFFFFFFFLL)
    throw detail::out_of_range("options.flowlabel", ">= 0 && <= 4294967295", options.flowlabel);
  port_ = static_cast<std::uint16_t>(options.port);

  if (!v6_) {
    std::uint32_t v4 = 0;
    if (!detail::parse_ipv4(text, v4)) throw detail::invalid_address();
    bytes_ = detail::bytes_of(detail::mapped_base | v4);
    return;
  }
  std::string_view zone;
  if (!detail::parse_ipv6_zoned(text, bytes_, zone)) throw detail::invalid_address();
  if (options.flowlabel > max_flowlabel)
    throw detail::out_of_range("options.flowlabel", ">= 0 && <= 1048575", options.flowlabel);
  flowlabel_ = static_cast<std::uint32_t>(options.flowlabel);
  // Like uv_ip6_addr, a zone names an interface; unknown names give scope 0.
  if (!zone.empty()) scope_id_ = ::if_nametoindex(std::string(zone).c_str());
}

std::optional<socket_address> socket_address::parse(std::string_view input) {
  auto endpoint = detail::parse_http_endpoint(input);
  if (!endpoint) return std::nullopt;
  socket_address result;
  result.bytes_ = endpoint->bytes;
  result.v6_ = endpoint->v6;
  result.port_ = endpoint->port;
  return result;
}

std::optional<socket_address> socket_address::from_sockaddr(const sockaddr* address, socklen_t length) noexcept {
  if (address == nullptr) return std::nullopt;
  socket_address result;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, address, sizeof in);
    result.bytes_ = detail::bytes_of(detail::mapped_base | ntohl(in.sin_addr.s_addr));
    result.port_ = ntohs(in.sin_port);
    return result;
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    std::memcpy(result.bytes_.data(), &in6.sin6_addr, 16);
    result.v6_ = true;
    result.port_ = ntohs(in6.sin6_port);
    result.flowlabel_ = ntohl(in6.sin6_flowinfo) & static_cast<std::uint32_t>(max_flowlabel);
    result.scope_id_ = in6.sin6_scope_id;
    return result;
  }
  return std::nullopt;
}

socklen_t socket_address::to_sockaddr(sockaddr_storage& out) const noexcept {
  std::memset(&out, 0, sizeof out);
  if (!v6_) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, bytes_.data() + 12, 4);
    std::memcpy(&out, &in, sizeof in);
    return sizeof in;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  in6.sin6_flowinfo = htonl(flowlabel_);
  in6.sin6_scope_id = scope_id_;
  std::memcpy(&in6.sin6_addr, bytes_.data(), 16);
  std::memcpy(&out, &in6, sizeof in6);
  return sizeof in6;
}

std::string socket_address::address() const {
  if (!v6_) return detail::format_ipv4(static_cast<std::uint32_t>(detail::key_of(bytes_)));
  return detail::format_ipv6(bytes_);
}

}  // namespace coronet::net
