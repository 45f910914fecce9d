// The family string every address_info reports: Node's "IPv4" and "IPv6",
// and none at all for a Unix socket (Node's address() of a pipe has no
// family).
#include <doctest/doctest.h>

#include "net/address/family_name.hpp"

#include <sys/socket.h>

using coronet::net::detail::family_name;

TEST_CASE("an IPv4 address reports family IPv4") { CHECK(family_name(AF_INET) == "IPv4"); }

TEST_CASE("an IPv6 address reports family IPv6") { CHECK(family_name(AF_INET6) == "IPv6"); }

TEST_CASE("a Unix socket or an unknown family reports no family") {
  CHECK(family_name(AF_UNIX) == "");
  CHECK(family_name(AF_UNSPEC) == "");
  CHECK(family_name(-1) == "");
}
