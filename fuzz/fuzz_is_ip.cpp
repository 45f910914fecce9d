// libFuzzer target: is_ip never crashes, and its three answers agree.
#include <coronet/net/address/is_ip.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int kind = coronet::net::is_ip(text);
  if ((kind == 4) != coronet::net::is_ipv4(text) || (kind == 6) != coronet::net::is_ipv6(text)) std::abort();
  return 0;
}
