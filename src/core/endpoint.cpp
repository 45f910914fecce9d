#include <coronet/endpoint.hpp>
#include <coronet/error.hpp>

#include "posix_compat.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace coronet {

result<endpoint> endpoint::ip(std::string_view address, std::uint16_t port) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (address.empty() || address.size() >= sizeof text) return {errno_code(EINVAL), {}};
  // inet_pton would stop at a NUL and accept "127.0.0.1\0anything".
  if (address.find('\0') != std::string_view::npos) return {errno_code(EINVAL), {}};
  std::memcpy(text, address.data(), address.size());
  text[address.size()] = '\0';

  endpoint e;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage_);
  if (::inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    e.size_ = sizeof(sockaddr_in);
    return {{}, e};
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage_);
  std::uint32_t scope = 0;
  if (char* zone = std::strchr(text, '%')) {
    *zone++ = '\0';
    scope = ::if_nametoindex(zone);
    if (scope == 0) {
      // A numeric zone ("fe80::1%2") names the interface index directly.
      char* end = nullptr;
      unsigned long n = std::strtoul(zone, &end, 10);
      if (!*zone || *end) return {errno_code(EINVAL), {}};
      scope = static_cast<std::uint32_t>(n);
    }
  }
  if (::inet_pton(AF_INET6, text, &v6->sin6_addr) != 1) return {errno_code(EINVAL), {}};
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  v6->sin6_scope_id = scope;
  e.size_ = sizeof(sockaddr_in6);
  return {{}, e};
}

endpoint endpoint::any(int family, std::uint16_t port) noexcept {
  endpoint e;
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage_);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_any;
    v6->sin6_port = htons(port);
    e.size_ = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage_);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_ANY);
    v4->sin_port = htons(port);
    e.size_ = sizeof(sockaddr_in);
  }
  return e;
}

endpoint endpoint::loopback(int family, std::uint16_t port) noexcept {
  endpoint e = any(family, port);
  if (family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&e.storage_)->sin6_addr = in6addr_loopback;
  } else {
    reinterpret_cast<sockaddr_in*>(&e.storage_)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  return e;
}

result<endpoint> endpoint::unix_path(std::string_view path) {
  endpoint e;
  auto* un = reinterpret_cast<sockaddr_un*>(&e.storage_);
  if (path.empty()) return {errno_code(EINVAL), {}};
  bool abstract = path.front() == '\0';
  // Only Linux has abstract names; elsewhere the kernel would take the NUL
  // as an empty path (or worse), so the name is refused before any call.
  if (abstract && !detail::abstract_unix_names) return {errno_code(EINVAL), {}};
  // A filesystem path needs room for its terminating NUL; an abstract name
  // is counted by length and may use every byte.
  std::size_t room = sizeof un->sun_path - (abstract ? 0 : 1);
  if (path.size() > room) return {errno_code(ENAMETOOLONG), {}};
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  e.size_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return {{}, e};
}

endpoint endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
  endpoint e;
  if (!sa || len <= 0) return e;
  if (len > static_cast<socklen_t>(sizeof e.storage_)) len = sizeof e.storage_;
  std::memcpy(&e.storage_, sa, len);
  e.size_ = len;
  return e;
}

bool endpoint::is_abstract() const noexcept {
  const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
  return is_unix() && size_ > offsetof(sockaddr_un, sun_path) && un->sun_path[0] == '\0';
}

std::uint16_t endpoint::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string endpoint::address() const {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return buf;
  }
  if (family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    std::string out = buf;
    if (v6->sin6_scope_id != 0) {
      char name[IF_NAMESIZE] = {};
      out += '%';
      out += ::if_indextoname(v6->sin6_scope_id, name) ? std::string(name) : std::to_string(v6->sin6_scope_id);
    }
    return out;
  }
  if (is_unix()) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    std::size_t n = size_ > offsetof(sockaddr_un, sun_path) ? size_ - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return {};
    if (un->sun_path[0] == '\0') return std::string(un->sun_path, n);  // abstract: length counted
    return std::string(un->sun_path, ::strnlen(un->sun_path, n));
  }
  return {};
}

std::string endpoint::to_string() const {
  if (family() == AF_INET) return address() + ':' + std::to_string(port());
  if (family() == AF_INET6) return '[' + address() + "]:" + std::to_string(port());
  return address();
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
  return a.size_ == b.size_ && std::memcmp(&a.storage_, &b.storage_, a.size_) == 0;
}

}  // namespace coronet
