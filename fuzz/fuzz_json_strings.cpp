// libFuzzer target: the JSON reader behind BlockList.fromJSON
// (parse_json_string_array) and its writer (json_quote).
//   - The input as JSON: when it is an array of strings, quoting those
//     strings again gives JSON that reads back to the same strings.
//   - The input as one string: quoted inside [ ], it reads back unchanged.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/address/json_strings.hpp"

using namespace coronet::net::detail;
using fuzz::check;

namespace {

std::string quote_all(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& s : items) {
    if (out.size() > 1) out += ',';
    out += json_quote(s);
  }
  return out + "]";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<std::string> items;
  if (parse_json_string_array(input, items) == json_result::ok) {
    std::vector<std::string> again;
    check(parse_json_string_array(quote_all(items), again) == json_result::ok, "re-quoted strings are JSON");
    check(again == items, "re-quoted strings read back the same");
  }

  std::vector<std::string> one;
  check(parse_json_string_array("[" + json_quote(input) + "]", one) == json_result::ok, "a quoted string is JSON");
  check(one.size() == 1 && one[0] == input, "a quoted string reads back unchanged");
  return 0;
}
