// net.BlockList: what each kind of rule blocks, the errors Node throws, and
// the rules() listing.
#include <doctest/doctest.h>

#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace net = coronet::net;
using net::block_list;

namespace {

std::string thrown_code(const std::function<void()>& f) {
  try {
    f();
    return "";
  } catch (const net::error& e) {
    return std::string(e.code_name());
  }
}

std::string thrown_message(const std::function<void()>& f) {
  try {
    f();
    return "";
  } catch (const net::error& e) {
    return e.what();
  }
}

struct probe {
  std::string_view address, family;
  bool blocked;
};

void check_all(const block_list& list, std::initializer_list<probe> probes) {
  for (const auto& p : probes) {
    CAPTURE(p.address);
    CAPTURE(p.family);
    CHECK(list.check(p.address, p.family) == p.blocked);
  }
}

}  // namespace

TEST_CASE("Node's documented check() example gives Node's answers") {
  block_list list;
  list.add_address("123.123.123.123");
  list.add_range("10.0.0.1", "10.0.0.10");
  list.add_subnet("8592:757c:efae:4e45::", 64, "ipv6");
  check_all(list, {{"123.123.123.123", "ipv4", true},
                   {"10.0.0.3", "ipv4", true},
                   {"222.111.111.222", "ipv4", false},
                   {"::ffff:7b7b:7b7b", "ipv6", true},
                   {"::ffff:123.123.123.123", "ipv6", true},
                   {"8592:757c:efae:4e45:1::", "ipv6", true},
                   {"8592:757c:efae:4e46::", "ipv6", false}});
}

TEST_CASE("an address rule blocks that address and not its neighbours") {
  block_list list;
  list.add_address("1.2.3.4");
  check_all(list, {{"1.2.3.4", "ipv4", true}, {"1.2.3.3", "ipv4", false}, {"1.2.3.5", "ipv4", false}});
}

TEST_CASE("range ends are inclusive") {
  block_list list;
  list.add_range("10.0.0.1", "10.0.0.10");
  list.add_range("2001:db8::1", "2001:db8::a", "ipv6");
  check_all(list, {{"10.0.0.0", "ipv4", false},
                   {"10.0.0.1", "ipv4", true},
                   {"10.0.0.10", "ipv4", true},
                   {"10.0.0.11", "ipv4", false},
                   {"2001:db8::", "ipv6", false},
                   {"2001:db8::1", "ipv6", true},
                   {"2001:db8::a", "ipv6", true},
                   {"2001:db8::b", "ipv6", false}});
}

TEST_CASE("a range of one address and a range over the whole space both work") {
  block_list list;
  list.add_range("5.5.5.5", "5.5.5.5");
  CHECK(list.check("5.5.5.5"));
  CHECK_FALSE(list.check("5.5.5.6"));
  list.add_range("0.0.0.0", "255.255.255.255");
  CHECK(list.check("0.0.0.0"));
  CHECK(list.check("255.255.255.255"));
  block_list v6;
  v6.add_range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ipv6");
  CHECK(v6.check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ipv6"));
  CHECK(v6.check("::", "ipv6"));
}

TEST_CASE("a /32 subnet matches exactly one address and /0 matches all of IPv4") {
  block_list list;
  list.add_subnet("1.2.3.4", 32);
  check_all(list, {{"1.2.3.4", "ipv4", true}, {"1.2.3.5", "ipv4", false}, {"::ffff:1.2.3.4", "ipv6", true}});
  block_list all;
  all.add_subnet("9.9.9.9", 0);
  check_all(all, {{"0.0.0.0", "ipv4", true},
                  {"255.255.255.255", "ipv4", true},
                  {"::ffff:8.8.8.8", "ipv6", true},
                  {"::1", "ipv6", false}});
}

TEST_CASE("subnet prefixes off byte boundaries cut at the right bit") {
  block_list list;
  list.add_subnet("192.168.2.0", 23);
  list.add_subnet("2001:db8:8000::", 33, "ipv6");
  check_all(list, {{"192.168.1.255", "ipv4", false},
                   {"192.168.2.0", "ipv4", true},
                   {"192.168.3.255", "ipv4", true},
                   {"192.168.4.0", "ipv4", false},
                   {"2001:db8:7fff:ffff::", "ipv6", false},
                   {"2001:db8:8000::", "ipv6", true},
                   {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "ipv6", true},
                   {"2001:db9::", "ipv6", false}});
}

TEST_CASE("a subnet's network address need not be aligned to its prefix") {
  block_list list;
  list.add_subnet("10.1.2.3", 8);
  CHECK(list.check("10.200.0.1"));
  CHECK(list.rules() == std::vector<std::string>{"Subnet: IPv4 10.1.2.3/8"});
}

TEST_CASE("IPv4 rules match IPv4-mapped IPv6 checks and mapped rules match IPv4 checks") {
  block_list v4rules;
  v4rules.add_address("1.2.3.4");
  v4rules.add_range("10.0.0.0", "10.0.0.255");
  v4rules.add_subnet("172.16.0.0", 12);
  check_all(v4rules, {{"::ffff:1.2.3.4", "ipv6", true},
                      {"::ffff:10.0.0.77", "ipv6", true},
                      {"::ffff:172.31.255.255", "ipv6", true},
                      {"::1.2.3.4", "ipv6", false},
                      {"1:2:3:4::", "ipv6", false}});
  block_list mapped;
  mapped.add_address("::ffff:1.2.3.4", "ipv6");
  mapped.add_range("::ffff:10.0.0.0", "::ffff:10.0.0.255", "ipv6");
  mapped.add_subnet("::ffff:172.16.0.0", 108, "ipv6");
  check_all(mapped, {{"1.2.3.4", "ipv4", true},
                     {"10.0.0.77", "ipv4", true},
                     {"172.31.255.255", "ipv4", true},
                     {"172.32.0.0", "ipv4", false}});
}

TEST_CASE("an IPv6 range that is not IPv4-mapped at both ends does not match IPv4 checks, as in Node") {
  block_list list;
  list.add_range("::", "ffff::", "ipv6");
  CHECK_FALSE(list.check("9.9.9.9"));
  CHECK(list.check("::ffff:9.9.9.9", "ipv6"));
  CHECK(list.check("::1", "ipv6"));
}

TEST_CASE("an IPv6 subnet that contains the mapped block matches IPv4 checks, as in Node") {
  block_list list;
  list.add_subnet("::", 0, "ipv6");
  CHECK(list.check("9.9.9.9"));
  block_list mapped96;
  mapped96.add_subnet("::ffff:0:0", 96, "ipv6");
  CHECK(mapped96.check("9.9.9.9"));
  CHECK_FALSE(mapped96.check("::1", "ipv6"));
}

TEST_CASE("family names are case-insensitive for rules and checks") {
  block_list list;
  list.add_address("::1", "IPv6");
  list.add_address("1.1.1.1", "IPV4");
  CHECK(list.check("::1", "IPV6"));
  CHECK(list.check("1.1.1.1", "Ipv4"));
}

TEST_CASE("an unknown family throws ERR_INVALID_ARG_VALUE") {
  block_list list;
  CHECK(thrown_code([&] { list.add_address("1.2.3.4", "ipv7"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_range("1.2.3.4", "1.2.3.5", "inet"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_subnet("1.2.3.4", 8, ""); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(list.size() == 0);
}

TEST_CASE("text that is not an address of the family throws ERR_INVALID_ADDRESS") {
  block_list list;
  CHECK(thrown_code([&] { list.add_address("1.2.3"); }) == "ERR_INVALID_ADDRESS");
  CHECK(thrown_code([&] { list.add_address("::1"); }) == "ERR_INVALID_ADDRESS");
  CHECK(thrown_code([&] { list.add_address("1.2.3.4", "ipv6"); }) == "ERR_INVALID_ADDRESS");
  CHECK(thrown_code([&] { list.add_range("1.2.3.4", "x"); }) == "ERR_INVALID_ADDRESS");
  CHECK(thrown_code([&] { list.add_subnet("nope", 8); }) == "ERR_INVALID_ADDRESS");
  CHECK(thrown_message([&] { list.add_address("1.2.3"); }) == "Invalid socket address");
}

TEST_CASE("a range whose start is after its end throws Node's ERR_INVALID_ARG_VALUE") {
  block_list list;
  CHECK(thrown_code([&] { list.add_range("1.2.3.5", "1.2.3.4"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_message([&] { list.add_range("1.2.3.5", "1.2.3.4"); }) ==
        "The argument 'start' must come before end. Received SocketAddress { address: '1.2.3.5', port: 0, "
        "family: 'ipv4', flowlabel: 0 }");
  CHECK(thrown_code([&] { list.add_range("::2", "::1", "ipv6"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(list.size() == 0);
}

TEST_CASE("prefixes outside 0..32 or 0..128 throw ERR_OUT_OF_RANGE") {
  block_list list;
  CHECK(thrown_code([&] { list.add_subnet("1.2.3.4", 33); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_subnet("1.2.3.4", -1); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_subnet("::", 129, "ipv6"); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_subnet("::", 128, "ipv6"); }) == "");
  CHECK(thrown_message([&] { list.add_subnet("1.2.3.4", 33); }) ==
        "The value of \"prefix\" is out of range. It must be >= 0 && <= 32. Received 33");
  // The address is validated before the prefix, as in Node.
  CHECK(thrown_code([&] { list.add_subnet("bad", 99); }) == "ERR_INVALID_ADDRESS");
}

TEST_CASE("check of text that is not an address gives false instead of throwing") {
  block_list list;
  list.add_subnet("::", 0, "ipv6");
  check_all(list, {{"garbage", "ipv4", false},
                   {"", "ipv4", false},
                   {"1.2.3", "ipv4", false},
                   {"::1", "ipv4", false},
                   {"1.2.3.4", "ipv6", false},
                   {"zz::", "ipv6", false}});
}

TEST_CASE("check reads text as IPv6 for any family other than ipv4, as current Node does") {
  block_list list;
  list.add_address("::1", "ipv6");
  CHECK(list.check("::1", "something"));
  CHECK(list.check("fe80::1%eth0", "ipv6") == false);
  list.add_address("fe80::1", "ipv6");
  CHECK(list.check("fe80::1%eth0", "ipv6"));
}

TEST_CASE("rules() lists Node 26's exact strings: addresses, subnets, ranges, each newest first") {
  block_list list;
  list.add_address("1.2.3.4");
  list.add_range("1.2.3.4", "1.2.3.10");
  list.add_subnet("::", 64, "ipv6");
  list.add_address("::ffff:1.2.3.4", "ipv6");
  list.add_range("::1", "::5", "ipv6");
  list.add_subnet("FE80::", 10, "ipv6");
  list.add_address("0:0:1:0:0:0:0:1", "ipv6");
  // Node 26 printed exactly this; ::ffff:1.2.3.4 took 1.2.3.4's place.
  CHECK(list.rules() == std::vector<std::string>{
                            "Address: IPv6 0:0:1::1",
                            "Address: IPv6 ::ffff:1.2.3.4",
                            "Subnet: IPv6 fe80::/10",
                            "Subnet: IPv6 ::/64",
                            "Range: IPv6 ::1-::5",
                            "Range: IPv4 1.2.3.4-1.2.3.10",
                        });
  CHECK(list.size() == 6);
}

TEST_CASE("a duplicate address is kept once (Node 26); duplicate subnets twice, removed together") {
  block_list list;
  list.add_address("1.2.3.4");
  list.add_address("1.2.3.4");
  CHECK(list.size() == 1);
  CHECK(list.rules() == std::vector<std::string>{"Address: IPv4 1.2.3.4"});
  list.add_subnet("10.0.0.0", 8);
  list.add_subnet("10.0.0.0", 8);
  CHECK(list.rules() ==
        std::vector<std::string>{"Address: IPv4 1.2.3.4", "Subnet: IPv4 10.0.0.0/8", "Subnet: IPv4 10.0.0.0/8"});
  list.remove_subnet("10.0.0.0", 8);
  CHECK_FALSE(list.check("10.1.1.1"));
  list.remove_address("1.2.3.4");
  CHECK(list.size() == 0);
  CHECK_FALSE(list.check("1.2.3.4"));
}

TEST_CASE("removing a rule unblocks only what no other rule still blocks") {
  block_list list;
  list.add_range("10.0.0.0", "10.0.0.100");
  list.add_subnet("10.0.0.0", 24);
  list.add_address("10.0.0.50");
  list.remove_subnet("10.0.0.0", 24);
  CHECK(list.check("10.0.0.50"));
  CHECK(list.check("10.0.0.100"));
  CHECK_FALSE(list.check("10.0.0.101"));
  list.remove_range("10.0.0.0", "10.0.0.100");
  CHECK(list.check("10.0.0.50"));
  CHECK_FALSE(list.check("10.0.0.51"));
  list.remove_address("10.0.0.50");
  CHECK_FALSE(list.check("10.0.0.50"));
  CHECK(list.size() == 0);
}

TEST_CASE("removing a rule that is absent or differs in any part does nothing") {
  block_list list;
  list.add_subnet("10.0.0.0", 24);
  list.add_range("1.1.1.1", "1.1.1.9");
  list.remove_subnet("10.0.0.0", 25);
  list.remove_subnet("10.0.0.1", 24);
  list.remove_range("1.1.1.1", "1.1.1.8");
  list.remove_address("10.0.0.0");
  list.remove_address("::ffff:10.0.0.0", "ipv6");
  list.remove_cidr("10.0.0.0/16");
  CHECK(list.size() == 2);
  CHECK(list.check("10.0.0.200"));
  // Removal validates its arguments as adding does.
  CHECK(thrown_code([&] { list.remove_subnet("10.0.0.0", 33); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.remove_address("x"); }) == "ERR_INVALID_ADDRESS");
}

TEST_CASE("add_cidr picks the family from a ':' and validates like Node's parseCIDR") {
  block_list list;
  list.add_cidr("10.0.0.0/8");
  list.add_cidr("2001:db8::/32");
  CHECK(list.rules() == std::vector<std::string>{"Subnet: IPv6 2001:db8::/32", "Subnet: IPv4 10.0.0.0/8"});
  CHECK(list.check("10.9.9.9"));
  CHECK(list.check("2001:db8:1::", "ipv6"));
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/08"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/+8"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/-0"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/-1"); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/33"); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/123456789012345678"); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidr("10.0.0.0/100000000000000000000"); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_cidr("1.2.3.4/5/6"); }) == "ERR_INVALID_ADDRESS");
  CHECK(list.size() == 2);
  list.remove_cidr("10.0.0.0/8");
  CHECK_FALSE(list.check("10.9.9.9"));
}

TEST_CASE("PRIVATE_RANGES blocks private, loopback and link-local addresses") {
  block_list list;
  list.add_cidrs(std::span<const std::string_view>(block_list::PRIVATE_RANGES));
  check_all(list, {{"10.0.0.1", "ipv4", true},
                   {"127.0.0.1", "ipv4", true},
                   {"172.31.0.1", "ipv4", true},
                   {"172.32.0.1", "ipv4", false},
                   {"192.168.1.1", "ipv4", true},
                   {"169.254.3.4", "ipv4", true},
                   {"8.8.8.8", "ipv4", false},
                   {"::1", "ipv6", true},
                   {"fe80::1", "ipv6", true},
                   {"fd00::1", "ipv6", true},
                   {"2001:db8::1", "ipv6", false}});
  CHECK(list.size() == 8);
}

TEST_CASE("add_cidrs and add_addresses add nothing when any entry is bad") {
  block_list list;
  CHECK(thrown_code([&] { list.add_cidrs({"10.0.0.0/8", "nope"}); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.add_cidrs({"10.0.0.0/8", "1.2.3.4/40"}); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.add_addresses({"1.2.3.4", "1.2.3"}); }) == "ERR_INVALID_ADDRESS");
  CHECK(list.size() == 0);
  list.add_addresses({"1.2.3.4", "5.6.7.8"});
  list.add_addresses({"::1", "::2"}, "ipv6");
  CHECK(list.rules() == std::vector<std::string>{"Address: IPv6 ::2", "Address: IPv6 ::1", "Address: IPv4 5.6.7.8",
                                                 "Address: IPv4 1.2.3.4"});
}

TEST_CASE("socket_address arguments bring their own family") {
  block_list list;
  net::socket_address v6({.address = "2001:db8::1", .family = "ipv6", .port = 99});
  net::socket_address v4({.address = "1.2.3.4"});
  list.add_address(v6);
  list.add_range(v4, net::socket_address({.address = "1.2.3.9"}));
  list.add_subnet(net::socket_address({.address = "2001:db8:1::", .family = "ipv6"}), 48);
  CHECK(list.check(v6));
  CHECK(list.check(net::socket_address({.address = "1.2.3.5", .port = 1})));
  CHECK(list.check("2001:db8:1:ffff::", "ipv6"));
  // The port does not matter.
  CHECK(list.check(net::socket_address({.address = "2001:db8::1", .family = "ipv6", .port = 1})));
  // A socket_address range with mixed families is accepted, as in Node.
  list.add_range(v4, v6);
  CHECK(list.size() == 4);
}

TEST_CASE("clear removes every rule and size counts rules") {
  block_list list;
  list.add_address("1.1.1.1");
  list.add_subnet("::", 0, "ipv6");
  CHECK(list.size() == 2);
  list.clear();
  CHECK(list.size() == 0);
  CHECK(list.rules().empty());
  CHECK_FALSE(list.check("1.1.1.1"));
  CHECK_FALSE(list.check("::5", "ipv6"));
}

TEST_CASE("copies are independent and is_block_list tells a block_list apart") {
  block_list a;
  a.add_address("1.1.1.1");
  block_list b = a;
  b.add_address("2.2.2.2");
  CHECK(a.size() == 1);
  CHECK(b.rules() == std::vector<std::string>{"Address: IPv4 2.2.2.2", "Address: IPv4 1.1.1.1"});
  CHECK(b.check("1.1.1.1"));
  CHECK_FALSE(a.check("2.2.2.2"));
  block_list moved = std::move(b);
  CHECK(moved.size() == 2);
  CHECK(block_list::is_block_list(a));
  CHECK_FALSE(block_list::is_block_list(42));
  CHECK_FALSE(block_list::is_block_list(std::string("x")));
}
