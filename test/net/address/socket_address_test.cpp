// net.SocketAddress: defaults, validation, printing, parse() and the
// sockaddr conversions used by the I/O layer.
#include <doctest/doctest.h>

#include <coronet/net/address/socket_address.hpp>
#include <coronet/net/errors.hpp>

#include <netinet/in.h>

#include <optional>
#include <string>
#include <string_view>

namespace net = coronet::net;
using net::socket_address;
using net::socket_address_options;

namespace {

// The error code a constructor call throws, or "" when it does not throw.
std::string_view thrown_code(const socket_address_options& options) {
  try {
    socket_address a(options);
    return "";
  } catch (const net::error& e) {
    return e.code_name();
  }
}

}  // namespace

TEST_CASE("a default socket_address is 127.0.0.1 port 0 like new SocketAddress()") {
  socket_address a;
  CHECK(a.address() == "127.0.0.1");
  CHECK(a.family() == "ipv4");
  CHECK(a.port() == 0);
  CHECK(a.flowlabel() == 0);
  CHECK(socket_address(socket_address_options{}) == a);
}

TEST_CASE("an ipv6 socket_address without an address defaults to ::") {
  socket_address a({.family = "ipv6"});
  CHECK(a.address() == "::");
  CHECK(a.family() == "ipv6");
  CHECK(socket_address({.family = "IPv6"}).address() == "::");
}

TEST_CASE("family names are case-insensitive and an unknown family throws ERR_INVALID_ARG_VALUE") {
  CHECK(socket_address({.address = "1.2.3.4", .family = "IPV4"}).family() == "ipv4");
  CHECK(socket_address({.address = "::1", .family = "iPv6"}).family() == "ipv6");
  CHECK(thrown_code({.family = "ipv7"}) == "ERR_INVALID_ARG_VALUE");
  CHECK(thrown_code({.address = "1.2.3.4", .family = ""}) == "ERR_INVALID_ARG_VALUE");
  try {
    socket_address a({.family = "x"});
  } catch (const net::error& e) {
    CHECK(std::string(e.what()) == "The property 'options.family' is invalid. Received 'x'");
  }
}

TEST_CASE("like Node, an upper-case ipv4 family with no address picks :: and fails") {
  CHECK(thrown_code({.family = "IPv4"}) == "ERR_INVALID_ADDRESS");
}

TEST_CASE("ports and flow labels are validated with Node's codes") {
  struct row {
    socket_address_options options;
    std::string_view code;
  };
  const row rows[] = {
      {{.port = 0}, ""},
      {{.port = 65535}, ""},
      {{.port = 65536}, "ERR_SOCKET_BAD_PORT"},
      {{.port = -1}, "ERR_SOCKET_BAD_PORT"},
      {{.family = "ipv6", .flowlabel = 0xFFFFF}, ""},
      {{.family = "ipv6", .flowlabel = 0x100000}, "ERR_OUT_OF_RANGE"},
      {{.family = "ipv6", .flowlabel = -1}, "ERR_OUT_OF_RANGE"},
      {{.flowlabel = 0xFFFFFFFF}, ""},  // ignored for IPv4, as in Node
      {{.flowlabel = 0x100000000}, "ERR_OUT_OF_RANGE"},
      {{.address = "1.2.3", .port = 70000}, "ERR_SOCKET_BAD_PORT"},  // port is checked first
  };
  for (const auto& r : rows) CHECK(thrown_code(r.options) == r.code);
  try {
    socket_address a({.port = 70000});
  } catch (const net::error& e) {
    CHECK(std::string(e.what()) == "options.port should be >= 0 and < 65536. Received type number (70000).");
  }
  CHECK(socket_address({.family = "ipv6", .flowlabel = 7}).flowlabel() == 7);
  CHECK(socket_address({.flowlabel = 7}).flowlabel() == 0);
}

TEST_CASE("an address that is not valid for its family throws ERR_INVALID_ADDRESS") {
  const socket_address_options bad[] = {
      {.address = "1.2.3"},
      {.address = "01.2.3.4"},
      {.address = "::1"},
      {.address = "1.2.3.4", .family = "ipv6"},
      {.address = "localhost"},
      {.address = ""},
      {.address = "1:2:3:4:5:6:7:8:9", .family = "ipv6"},
      {.address = "0x7f.1"},
  };
  for (const auto& options : bad) CHECK(thrown_code(options) == "ERR_INVALID_ADDRESS");
}

TEST_CASE("address() prints the way libuv prints, which is what Node shows") {
  struct row {
    std::string_view in, out;
  };
  const row rows[] = {
      {"::2", "::2"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"::ffff:0102:0304", "::ffff:1.2.3.4"},
      {"::1.2.3.4", "::1.2.3.4"},
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"::0:1:0:0", "::1:0:0"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"0:0:1:0:0:0:0:1", "0:0:1::1"},
      {"1:0:0:1:0:0:0:1", "1:0:0:1::1"},
      {"1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"},
      {"fe80::1%eth0", "fe80::1"},
      {"ABCD::EF", "abcd::ef"},
      {"0::ffff:ffff", "::255.255.255.255"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(socket_address({.address = r.in, .family = "ipv6"}).address() == r.out);
  }
}

TEST_CASE("parse accepts what new URL('http://' + input) accepts, normalises like it and keeps an explicit port 80") {
  struct row {
    std::string_view input;
    std::optional<std::string_view> address;
    std::string_view family = "ipv4";
    int port = 0;
  };
  const row rows[] = {
      {"123.1.2.3:1234", "123.1.2.3", "ipv4", 1234},
      {"[1::1]:1234", "1::1", "ipv6", 1234},
      {"1.2.3.4", "1.2.3.4"},
      {"1.2.3.4:", "1.2.3.4"},
      // An explicit :80 is kept, as Node's main branch fixed it (v26 drops the
      // http scheme's default port and reads back 0).
      {"1.2.3.4:80", "1.2.3.4", "ipv4", 80},
      {"1.2.3.4:0080", "1.2.3.4", "ipv4", 80},
      {"[::1]:80", "::1", "ipv6", 80},
      {"1.2.3.4:65535", "1.2.3.4", "ipv4", 65535},
      {"0x7f.1", "127.0.0.1"},
      {"127.1:8080", "127.0.0.1", "ipv4", 8080},
      {"2130706433", "127.0.0.1"},
      {"0177.0.0.1", "127.0.0.1"},
      {"0X7F.0.0.1", "127.0.0.1"},
      {"0x", "0.0.0.0"},
      {"1.2.3.4.:5", "1.2.3.4", "ipv4", 5},
      {"%31.2.3.4", "1.2.3.4"},
      {"user:pw@1.2.3.4:99/path?q#f", "1.2.3.4", "ipv4", 99},
      {"//1.2.3.4", "1.2.3.4"},
      {"1.2.3.4\t:9", "1.2.3.4", "ipv4", 9},
      {"[::ffff:1.2.3.4]", "::ffff:1.2.3.4", "ipv6"},
      {"[0:0:0:0:0:0:0:1]:1", "::1", "ipv6", 1},
      {"[::]", "::", "ipv6"},
      {"localhost:80", std::nullopt},
      {"1.2.3.4:65536", std::nullopt},
      {"1.2.3.256", std::nullopt},
      {"1.2.3.4.5", std::nullopt},
      {"4294967296", std::nullopt},
      {"::1", std::nullopt},
      {"", std::nullopt},
      {"@", std::nullopt},
      {"1.2.3.4:x", std::nullopt},
      {"[::1", std::nullopt},
      {"[::1]x", std::nullopt},
      {"[fe80::1%25eth0]", std::nullopt},
      {"1.2.3.09", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.input);
    auto a = socket_address::parse(r.input);
    REQUIRE(a.has_value() == r.address.has_value());
    if (!a) continue;
    CHECK(a->address() == *r.address);
    CHECK(a->family() == r.family);
    CHECK(a->port() == r.port);
  }
}

TEST_CASE("to_sockaddr and from_sockaddr round-trip both families") {
  const socket_address samples[] = {
      socket_address({.address = "10.1.2.3", .port = 8080}),
      socket_address({.address = "2001:db8::1", .family = "ipv6", .port = 443, .flowlabel = 12345}),
  };
  for (const auto& a : samples) {
    sockaddr_storage storage;
    socklen_t len = a.to_sockaddr(storage);
    auto back = socket_address::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), len);
    REQUIRE(back);
    CHECK(*back == a);
  }
  sockaddr_storage storage;
  socket_address({.address = "10.1.2.3", .port = 8080}).to_sockaddr(storage);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
  CHECK(in->sin_family == AF_INET);
  CHECK(ntohs(in->sin_port) == 8080);
  CHECK(ntohl(in->sin_addr.s_addr) == 0x0a010203u);
}

TEST_CASE("from_sockaddr refuses other families and short lengths") {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  CHECK_FALSE(socket_address::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof storage));
  storage.ss_family = AF_INET6;
  CHECK_FALSE(socket_address::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof(sockaddr_in)));
  CHECK_FALSE(socket_address::from_sockaddr(nullptr, 0));
}
