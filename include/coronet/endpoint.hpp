// endpoint: an address to bind, listen on or connect to: IPv4, IPv6 (with
// scope id), a Unix socket path, or a Linux abstract socket name.
#pragma once

#include <coronet/result.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace coronet {

class endpoint {
 public:
  endpoint() noexcept = default;

  // An IPv4 or IPv6 literal ("127.0.0.1", "::1", "fe80::1%lo"). EINVAL when
  // `address` is neither.
  static result<endpoint> ip(std::string_view address, std::uint16_t port);
  // 0.0.0.0 or :: with the port.
  static endpoint any(int family, std::uint16_t port) noexcept;
  // 127.0.0.1 or ::1 with the port.
  static endpoint loopback(int family, std::uint16_t port) noexcept;
  // A filesystem path, or an abstract name when it starts with '\0'.
  // ENAMETOOLONG when it does not fit sockaddr_un (never truncated); EINVAL
  // when empty.
  static result<endpoint> unix_path(std::string_view path);
  // Copies a kernel-made address (getsockname, accept).
  static endpoint from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;

  int family() const noexcept { return storage_.ss_family; }  // AF_INET, AF_INET6, AF_UNIX
  bool empty() const noexcept { return size_ == 0; }
  bool is_ip() const noexcept { return family() == AF_INET || family() == AF_INET6; }
  bool is_unix() const noexcept { return family() == AF_UNIX; }
  bool is_abstract() const noexcept;

  std::uint16_t port() const noexcept;  // 0 for Unix sockets
  // "127.0.0.1", "::1", "fe80::1%lo", the path, or "\0name" for abstract.
  std::string address() const;
  // "127.0.0.1:80", "[::1]:80", or the path.
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return size_; }

  friend bool operator==(const endpoint& a, const endpoint& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

}  // namespace coronet
