#include "family_name.hpp"

#include <sys/socket.h>

namespace coronet::net::detail {

std::string family_name(int af) {
  if (af == AF_INET) return "IPv4";
  if (af == AF_INET6) return "IPv6";
  return "";
}

}  // namespace coronet::net::detail
