// Node's family string for an address family, the one every address_info
// (socket.address(), remoteFamily, server.address(), bound_socket) reports.
#pragma once

#include <string>

namespace coronet::net::detail {

// "IPv4" for AF_INET, "IPv6" for AF_INET6, and "" for anything else: Node
// gives a Unix socket no family. A std::string because address_info holds
// one; both names fit the small-string buffer, so nothing is allocated.
std::string family_name(int af);

}  // namespace coronet::net::detail
