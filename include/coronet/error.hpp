// System errors as std::error_code, named the way Node names them.
//
// I/O results carry std::system_category() codes (so `ec ==
// std::errc::connection_refused` works); error_name() gives Node's name for
// one ("ECONNREFUSED"), which is what the node:net layer reports as `code`.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace coronet {

// An error_code for a positive errno value.
inline std::error_code errno_code(int err) noexcept { return {err, std::system_category()}; }

// Node's name of a system error ("ECONNREFUSED", "EPIPE"); for codes of other
// categories, the category's own message.
std::string error_name(const std::error_code& ec);

// Node's name for an errno value, or "" when it has none.
std::string_view errno_name(int err) noexcept;

}  // namespace coronet
