// node:net's own error codes (ERR_*), as a std::error_category and as an
// exception type. System errors (ECONNREFUSED, ...) live elsewhere; these are
// the codes Node raises itself, mostly for misuse of an API.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace coronet::net {

// Values start at 1 so that a value-initialised std::error_code never looks
// like one of ours.
enum class errc {
  ERR_INVALID_ARG_TYPE = 1,
  ERR_INVALID_ARG_VALUE,
  ERR_OUT_OF_RANGE,
  ERR_SOCKET_BAD_PORT,
  ERR_INVALID_ADDRESS,
  ERR_INVALID_ADDRESS_FAMILY,
  ERR_INVALID_IP_ADDRESS,
  ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING,
  ERR_SOCKET_CLOSED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
  ERR_SOCKET_CONNECTION_TIMEOUT,
  ERR_INVALID_HANDLE_TYPE,
  ERR_IP_BLOCKED,
  ERR_MISSING_ARGS,
  ERR_STREAM_DESTROYED,
  ERR_STREAM_WRITE_AFTER_END,
  ERR_INVALID_FD_TYPE,
  ERR_SOCKET_BAD_BUFFER_SIZE,
  ERR_SOCKET_HANDLE_ADOPTED,
  ERR_UNKNOWN_ENCODING,
  ABORT_ERR,  // Node's AbortError (name "AbortError")
};

// The category is named "node:net"; message(v) is the code's name, e.g.
// "ERR_SOCKET_BAD_PORT", so an error_code prints the way Node's err.code reads.
const std::error_category& error_category() noexcept;

std::error_code make_error_code(errc code) noexcept;

// "ERR_OUT_OF_RANGE" for errc::ERR_OUT_OF_RANGE; "" for a value not in errc.
std::string_view code_name(errc code) noexcept;

// Thrown wherever Node throws synchronously. what() is Node's message text
// (e.g. "Invalid socket address"); code() carries the errc.
class error : public std::system_error {
 public:
  error(errc code, std::string message);

  const char* what() const noexcept override { return message_.c_str(); }
  errc value() const noexcept { return static_cast<errc>(code().value()); }
  std::string_view code_name() const noexcept { return net::code_name(value()); }

 private:
  std::string message_;
};

}  // namespace coronet::net

template <>
struct std::is_error_code_enum<coronet::net::errc> : std::true_type {};
