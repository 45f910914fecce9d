// Node's { port, family, address }: what socket.address(), remoteAddress and
// server.address() report. Alone in its header so bound_socket (and anything
// else that only reports addresses) need not include net::socket.
#pragma once

#include <string>
#include <variant>

namespace coronet::net {

// Node's { port, family, address }; family is "IPv4", "IPv6" (or "" for a
// Unix socket, whose path is in `address`).
struct address_info {
  std::string address{};
  std::string family{};
  int port = 0;
  friend bool operator==(const address_info&, const address_info&) = default;
};

// What server.address() (and bound_socket::address()) give: nothing,
// { port, family, address }, or the path of a Unix socket.
using server_address = std::variant<std::monostate, address_info, std::string>;

}  // namespace coronet::net
