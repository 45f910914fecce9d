// block_list::to_json and from_json. fromJSON in Node reads each string with
// a few unanchored regular expressions and calls addSubnet/addAddress/
// addRange with what they capture; the matchers below accept exactly what
// those expressions accept (they are simple enough that greedy matching
// with no backtracking finds the same match), without std::regex.
#include <charconv>
#include <cstdint>

#include "../messages.hpp"
#include "coronet/net/address/block_list.hpp"
#include "ip_text.hpp"
#include "json_strings.hpp"

namespace coronet::net {
namespace {

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool v6_char(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'; }

// A cursor over the text after a literal; each step consumes or fails.
struct cursor {
  std::string_view s;
  std::size_t i = 0;

  bool take(char c) noexcept {
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  // `pred` repeated min..max times, greedily.
  template <class Pred>
  bool run(Pred pred, std::size_t min, std::size_t max, std::string_view& out) noexcept {
    std::size_t start = i;
    while (i < s.size() && i - start < max && pred(s[i])) ++i;
    out = s.substr(start, i - start);
    return out.size() >= min;
  }
  // \d{1,3}(?:\.\d{1,3}){3}
  bool v4(std::string_view& out) noexcept {
    std::size_t start = i;
    std::string_view part;
    for (int k = 0; k < 4; ++k)
      if ((k > 0 && !take('.')) || !run(digit, 1, 3, part)) return false;
    out = s.substr(start, i - start);
    return true;
  }
  // [0-9a-fA-F:]{1,39}
  bool v6(std::string_view& out) noexcept { return run(v6_char, 1, 39, out); }
};

bool literal_at(std::string_view s, std::size_t pos, std::string_view literal, bool ignore_case) {
  if (s.size() - pos < literal.size()) return false;
  auto piece = s.substr(pos, literal.size());
  return ignore_case ? detail::iequals(piece, literal) : piece == literal;
}

// Leftmost position where literal + tail match, like String.prototype.match.
template <class Tail>
bool search(std::string_view item, std::string_view literal, bool ignore_case, Tail tail) {
  for (std::size_t pos = 0; pos + literal.size() <= item.size(); ++pos)
    if (literal_at(item, pos, literal, ignore_case) && tail(cursor{item.substr(pos + literal.size())})) return true;
  return false;
}

std::int64_t to_int(std::string_view digits) {
  std::int64_t v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

void add_rule_text(block_list& list, std::string_view item) {
  std::string_view a, b;
  if (item.find("IPv4") != std::string_view::npos) {
    if (search(item, "Subnet: IPv4 ", false, [&](cursor c) { return c.v4(a) && c.take('/') && c.run(digit, 1, 2, b); }))
      return list.add_subnet(a, to_int(b));
    if (search(item, "Address: IPv4 ", false, [&](cursor c) { return c.v4(a); })) return list.add_address(a);
    if (search(item, "Range: IPv4 ", false, [&](cursor c) { return c.v4(a) && c.take('-') && c.v4(b); }))
      return list.add_range(a, b);
  }
  if (item.find("IPv6") != std::string_view::npos) {
    if (search(item, "Subnet: IPv6 ", true, [&](cursor c) { return c.v6(a) && c.take('/') && c.run(digit, 1, 3, b); }))
      return list.add_subnet(a, to_int(b), "ipv6");
    if (search(item, "Address: IPv6 ", true, [&](cursor c) { return c.v6(a); })) return list.add_address(a, "ipv6");
    if (search(item, "Range: IPv6 ", true, [&](cursor c) { return c.v6(a) && c.take('-') && c.v6(b); }))
      return list.add_range(a, b, "ipv6");
  }
}

}  // namespace

std::string block_list::to_json() const {
  std::string out = "[";
  for (const auto& r : rules()) {
    if (out.size() > 1) out += ',';
    out += detail::json_quote(r);
  }
  return out + "]";
}

void block_list::from_json(const std::vector<std::string>& rules) {
  for (const auto& item : rules) add_rule_text(*this, item);
}

void block_list::from_json(std::string_view json) {
  std::vector<std::string> items;
  switch (detail::parse_json_string_array(json, items)) {
    case detail::json_result::ok:
      return from_json(items);
    case detail::json_result::syntax_error:
      throw detail::invalid_arg_value("data", detail::inspect_string(json), "must be valid JSON");
    case detail::json_result::not_string_array:
      throw error(
          errc::ERR_INVALID_ARG_TYPE,
          "The \"data\" argument must be one of type string or string[]. Received " + detail::inspect_string(json));
  }
}

}  // namespace coronet::net
