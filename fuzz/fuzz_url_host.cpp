// libFuzzer target: the WHATWG URL host parser behind SocketAddress.parse
// (parse_http_endpoint). Whatever it accepts, printed in canonical form
// ("a.b.c.d" or "[v6]", then ":port" unless it is 0), parses to the same
// endpoint; so does that form behind userinfo and slashes, which the URL
// parser skips.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/address/ip_text.hpp"
#include "net/address/url_host.hpp"

using namespace coronet::net::detail;
using fuzz::check;

namespace {

std::string canonical(const http_endpoint& e) {
  std::string out;
  if (e.v6) {
    out = "[" + format_ipv6(e.bytes) + "]";
  } else {
    check(is_mapped(key_of(e.bytes)), "an IPv4 host is held as ::ffff:a.b.c.d");
    out = format_ipv4(static_cast<std::uint32_t>(key_of(e.bytes)));
  }
  if (e.port != 0) out += ":" + std::to_string(e.port);
  return out;
}

bool same(const http_endpoint& a, const http_endpoint& b) {
  return a.v6 == b.v6 && a.bytes == b.bytes && a.port == b.port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_http_endpoint(input);
  if (!parsed) return 0;
  const std::string text = canonical(*parsed);
  for (const std::string& form : {text, "//user:pw@" + text + "/path?q#f"}) {
    const auto again = parse_http_endpoint(form);
    check(again.has_value(), "the canonical form is accepted");
    check(same(*again, *parsed), "the canonical form parses to the same endpoint");
  }
  return 0;
}
