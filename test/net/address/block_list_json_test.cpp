// BlockList toJSON/fromJSON, including the quirks of Node's rule patterns.
#include <doctest/doctest.h>

#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>

#include "net/address/json_strings.hpp"

#include <algorithm>
#include <functional>
#include <string>
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

}  // namespace

TEST_CASE("to_json is the rules as a JSON array of strings") {
  block_list list;
  CHECK(list.to_json() == "[]");
  list.add_address("1.2.3.4");
  list.add_subnet("::", 64, "ipv6");
  CHECK(list.to_json() == R"(["Address: IPv4 1.2.3.4","Subnet: IPv6 ::/64"])");  // Node 26's toJSON
}

TEST_CASE("from_json reads Node's documented example from strings and from JSON text") {
  const std::vector<std::string> data = {
      "Subnet: IPv4 192.168.1.0/24",
      "Address: IPv4 10.0.0.5",
      "Range: IPv4 192.168.2.1-192.168.2.10",
      "Range: IPv4 10.0.0.1-10.0.0.10",
  };
  block_list a;
  a.from_json(data);
  block_list b;
  b.from_json(std::string_view(R"( ["Subnet: IPv4 192.168.1.0/24", "Address: IPv4 10.0.0.5",
      "Range: IPv4 192.168.2.1-192.168.2.10", "Range: IPv4 10.0.0.1-10.0.0.10"] )"));
  CHECK(a.rules() == b.rules());
  // Node 26's order: addresses, subnets, ranges, each newest first.
  CHECK(a.rules() == std::vector<std::string>{"Address: IPv4 10.0.0.5", "Subnet: IPv4 192.168.1.0/24",
                                              "Range: IPv4 10.0.0.1-10.0.0.10",
                                              "Range: IPv4 192.168.2.1-192.168.2.10"});
  CHECK(a.check("192.168.1.77"));
  CHECK(a.check("10.0.0.7"));
}

TEST_CASE("a to_json/from_json round trip keeps one rule of each kind in place, as in Node 26") {
  block_list a;
  a.add_address("1.2.3.4");
  a.add_range("2001:db8::1", "2001:db8::10", "ipv6");
  a.add_subnet("2001:db8:1234::", 48, "ipv6");
  block_list b;
  b.from_json(a.to_json());
  CHECK(b.rules() == a.rules());
}

TEST_CASE("from_json follows Node's patterns exactly, quirks included") {
  struct row {
    std::string entry;
    std::vector<std::string> rules;
  };
  const row rows[] = {
      // The patterns are unanchored and their repeats are bounded.
      {"xx Address: IPv4 1.2.3.4 yy", {"Address: IPv4 1.2.3.4"}},
      {"Address: IPv4 1.2.3.2555", {"Address: IPv4 1.2.3.255"}},
      {"Subnet: IPv4 10.0.0.0/100", {"Subnet: IPv4 10.0.0.0/10"}},
      // IPv6 patterns ignore case; the "IPv6" test before them does not.
      {"subnet: ipv6 ::/64 IPv6", {"Subnet: IPv6 ::/64"}},
      {"address: ipv6 ::1", {}},
      // A dotted tail is cut at the first '.', changing the address.
      {"Address: IPv6 ::ffff:1.2.3.4", {"Address: IPv6 ::255.255.0.1"}},
      // Entries that match nothing are skipped.
      {"Host: IPv4 1.2.3.4", {}},
      {"", {}},
      {"Subnet: IPv4 1.2.3.4", {}},
      // A failed IPv4 pattern falls through to the IPv6 ones.
      {"Range: IPv4 x IPv6 Range: IPv6 ::1-::2", {"Range: IPv6 ::1-::2"}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.entry);
    block_list list;
    list.from_json(std::vector<std::string>{r.entry});
    CHECK(list.rules() == r.rules);
  }
}

TEST_CASE("from_json throws what the add call it makes throws") {
  block_list list;
  CHECK(thrown_code([&] { list.from_json(std::vector<std::string>{"Address: IPv4 999.1.1.1"}); }) ==
        "ERR_INVALID_ADDRESS");
  CHECK(thrown_code([&] { list.from_json(std::vector<std::string>{"Subnet: IPv4 1.2.3.4/33"}); }) ==
        "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.from_json(std::vector<std::string>{"Subnet: IPv6 ::/999"}); }) == "ERR_OUT_OF_RANGE");
  CHECK(thrown_code([&] { list.from_json(std::vector<std::string>{"Range: IPv4 1.1.1.2-1.1.1.1"}); }) ==
        "ERR_INVALID_ARG_VALUE");
  // Rules before the failing entry stay, as in Node.
  CHECK(thrown_code([&] {
          list.from_json(std::vector<std::string>{"Address: IPv4 1.1.1.1", "Address: IPv4 1.1.1.999"});
        }) == "ERR_INVALID_ADDRESS");
  CHECK(list.size() == 1);
}

TEST_CASE("from_json of text that is not a JSON array of strings throws") {
  block_list list;
  CHECK(thrown_code([&] { list.from_json(std::string_view("not json")); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("[\"a\",]")); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("[\"a\"] x")); }) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("{\"a\": 1}")); }) == "ERR_INVALID_ARG_TYPE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("[\"a\", 1]")); }) == "ERR_INVALID_ARG_TYPE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("\"a\"")); }) == "ERR_INVALID_ARG_TYPE");
  CHECK(thrown_code([&] { list.from_json(std::string_view("[[[[[]]]]]")); }) == "ERR_INVALID_ARG_TYPE");
  CHECK(thrown_code([&] { list.from_json(std::string_view(R"(["\u0041ddress: IPv4 1.2.3.4"])")); }) == "");
  CHECK(list.rules() == std::vector<std::string>{"Address: IPv4 1.2.3.4"});
}

TEST_CASE("JSON text for from_json joins escaped surrogate pairs into UTF-8, the last low surrogate DFFF included") {
  // The strings from_json matches are UTF-8: a pair written as two escapes
  // is one code point, whichever low surrogate (DC00 to DFFF) it ends with.
  std::vector<std::string> items;
  REQUIRE(net::detail::parse_json_string_array(R"(["\uD83D\uDFFF", "\uDBFF\uDFFF", "\uD800\uDC00", "\uD83D\uDE00!"])",
                                               items) == net::detail::json_result::ok);
  CHECK(items ==
        std::vector<std::string>{"\xF0\x9F\x9F\xBF", "\xF4\x8F\xBF\xBF", "\xF0\x90\x80\x80", "\xF0\x9F\x98\x80!"});
  // And the rule around such a pair is still read.
  block_list list;
  list.from_json(std::string_view(R"(["\uD83D\uDFFFAddress: IPv4 1.2.3.4"])"));
  CHECK(list.rules() == std::vector<std::string>{"Address: IPv4 1.2.3.4"});
}
