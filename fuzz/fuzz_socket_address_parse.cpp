// libFuzzer target: SocketAddress.parse never crashes, and whatever it
// accepts prints as an address that builds the same socket_address again.
#include <coronet/net/address/socket_address.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = coronet::net::socket_address::parse(text);
  if (!parsed) return 0;
  std::string address = parsed->address();
  coronet::net::socket_address again({.address = address, .family = parsed->family(), .port = parsed->port()});
  if (!(again == *parsed)) std::abort();
  return 0;
}
