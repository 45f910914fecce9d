// Internal: just enough JSON for BlockList.fromJSON - a full JSON.parse
// grammar check, keeping only a top-level array of strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coronet::net::detail {

enum class json_result {
  ok,                // out holds the strings
  syntax_error,      // not JSON (Node throws a SyntaxError)
  not_string_array,  // JSON, but not an array of strings
};

// Strings are decoded to UTF-8; a lone surrogate escape becomes its 3-byte
// (WTF-8) form. Nesting deeper than 512 levels counts as a syntax error.
json_result parse_json_string_array(std::string_view text, std::vector<std::string>& out);

// The JSON text of a string: quotes, escapes for '"', '\\' and controls.
std::string json_quote(std::string_view s);

}  // namespace coronet::net::detail
