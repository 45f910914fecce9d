// Host name resolution off the loop thread: getaddrinfo on a short-lived
// thread, the answer posted back to the loop. (Issue 5 replaces this with a
// pool and Happy Eyeballs.)
#pragma once

#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>

#include <functional>
#include <string>
#include <vector>

namespace coronet::net::detail {

struct resolved {
  std::string address;
  int family;  // 4 or 6
};

// Calls `done` on the loop thread with the addresses in getaddrinfo's order,
// or with an ENOTFOUND-style error ("getaddrinfo ENOTFOUND <host>").
void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done);

}  // namespace coronet::net::detail
