// Host name resolution off the loop thread: getaddrinfo (which honours
// /etc/hosts and nsswitch) on a small pool of resolver threads shared by
// every loop, the answer posted back to the asking loop.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/socket.hpp>

#include <functional>
#include <string>
#include <vector>

namespace coronet::net::detail {

using resolved = lookup_address;

// Calls `done` on the loop thread with every address (Node's `all: true`),
// in getaddrinfo's order without repeats, or with an ENOTFOUND-style error
// ("getaddrinfo ENOTFOUND <host>"). Never blocks the calling thread; the
// pending answer keeps loop::run() going.
void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done);

// The getaddrinfo flags a connect asks with, as Node's net.connect: with no
// family (neither 4 nor 6) and no hints of the caller's, AI_ADDRCONFIG, so
// only the families the machine has an address for come back.
int connect_hints(int family, int hints) noexcept;

}  // namespace coronet::net::detail
