// net.isIP / isIPv4 / isIPv6, table-driven against Node's documented
// answers and the corners of its regular expressions.
#include <doctest/doctest.h>

#include <coronet/net/address/is_ip.hpp>

#include <string_view>

using coronet::net::is_ip;
using coronet::net::is_ipv4;
using coronet::net::is_ipv6;

namespace {

struct row {
  std::string_view input;
  int expected;
};

constexpr row rows[] = {
    // Node's documented examples.
    {"::1", 6},
    {"::ffff:127.0.0.1", 6},
    {"127.0.0.1", 4},
    {"127.000.000.001", 0},
    {"127.0.0.1/24", 0},
    {"fhqwhgads", 0},
    // IPv4 corners.
    {"0.0.0.0", 4},
    {"255.255.255.255", 4},
    {"256.0.0.1", 0},
    {"1.2.3", 0},
    {"1.2.3.4.5", 0},
    {"01.2.3.4", 0},
    {"1.2.3.04", 0},
    {"1.2.3.4.", 0},
    {".1.2.3.4", 0},
    {"1..2.3", 0},
    {"127.1", 0},
    {"0x7f.0.0.1", 0},
    {" 1.2.3.4", 0},
    {"1.2.3.4 ", 0},
    {"1.2.3.4\n", 0},
    {"", 0},
    // IPv6 shapes.
    {"::", 6},
    {"1::", 6},
    {"1:2:3:4:5:6:7:8", 6},
    {"1:2:3:4:5:6:7::", 6},
    {"::2:3:4:5:6:7:8", 6},
    {"1::2:3:4:5:6:7:8", 0},
    {"1:2:3:4:5:6:7:8:9", 0},
    {"1:2:3:4:5:6:7", 0},
    {"1::2::3", 0},
    {":::", 0},
    {":1::", 0},
    {"1::2:", 0},
    {"12345::", 0},
    {"ABCD:ef01::", 6},
    {"g::", 0},
    {"::1.2.3.4", 6},
    {"1:2:3:4:5:6:1.2.3.4", 6},
    {"1:2:3:4:5:6:7:1.2.3.4", 0},
    {"::ffff:1.2.3", 0},
    {"::ffff:01.2.3.4", 0},
    {"::ffff:256.2.3.4", 0},
    {"::1.2.3.4:5", 0},
    // Zone ids.
    {"fe80::1%eth0", 6},
    {"fe80::1%1", 6},
    {"fe80::1%en-0.a:b", 6},
    {"fe80::1%", 0},
    {"fe80::1%eth_0", 0},
    {"fe80::1%a%b", 0},
    {"1.2.3.4%eth0", 0},
};

}  // namespace

TEST_CASE("is_ip answers 4, 6 or 0 exactly as Node's regular expressions do") {
  for (const auto& r : rows) {
    CAPTURE(r.input);
    CHECK(is_ip(r.input) == r.expected);
    CHECK(is_ipv4(r.input) == (r.expected == 4));
    CHECK(is_ipv6(r.input) == (r.expected == 6));
  }
}

TEST_CASE("is_ip stops at an embedded NUL instead of ignoring the rest") {
  using namespace std::literals;
  CHECK(is_ip("1.2.3.4\0junk"sv) == 0);
}
