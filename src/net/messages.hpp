// Internal: Node's message texts for the errors the address toolkit throws,
// so every throw site reads the same way Node's would.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coronet/net/errors.hpp"

namespace coronet::net::detail {

// util.inspect of a string, as Node's messages embed it: 'text'.
inline std::string inspect_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  if (out.size() > 128) out = out.substr(0, 128) + "...";
  return out;
}

// Node writes integers beyond 2^32 with digit separators: 4_294_967_296.
inline std::string inspect_integer(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -(v + 1) + 1ULL : static_cast<std::uint64_t>(v));
  if (v >= -(std::int64_t{1} << 32) && v <= (std::int64_t{1} << 32)) return (v < 0 ? "-" : "") + digits;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += '_';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

// ERR_INVALID_ARG_VALUE: "The argument 'start' must come before end. Received ...".
inline error invalid_arg_value(std::string_view name, std::string_view received,
                               std::string_view reason = "is invalid") {
  std::string kind = name.find('.') != std::string_view::npos ? "property" : "argument";
  return error(errc::ERR_INVALID_ARG_VALUE, "The " + kind + " '" + std::string(name) + "' " + std::string(reason) +
                                                ". Received " + std::string(received));
}

inline error out_of_range(std::string_view name, std::string_view range, std::int64_t received) {
  return error(errc::ERR_OUT_OF_RANGE, "The value of \"" + std::string(name) + "\" is out of range. It must be " +
                                           std::string(range) + ". Received " + inspect_integer(received));
}

inline error bad_port(std::string_view name, std::int64_t port) {
  return error(errc::ERR_SOCKET_BAD_PORT,
               std::string(name) + " should be >= 0 and < 65536. Received type number (" + std::to_string(port) + ").");
}

// socket.setTypeOfService(tos) and the typeOfService option: 0..255.
inline void check_type_of_service(int tos) {
  if (tos < 0 || tos > 255) throw out_of_range("tos", ">= 0 && <= 255", tos);
}

inline error invalid_address() { return error(errc::ERR_INVALID_ADDRESS, "Invalid socket address"); }

}  // namespace coronet::net::detail
