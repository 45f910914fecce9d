// error_info: what a node:net `error` event carries, with Node's fields.
//
// Node's Error objects for system errors read
//     err.code = 'ECONNREFUSED', err.errno = -111, err.syscall = 'connect',
//     err.address = '127.0.0.1', err.port = 10,
//     err.message = 'connect ECONNREFUSED 127.0.0.1:10'
// and for its own errors err.code = 'ERR_SOCKET_CLOSED' with a sentence as
// the message. error_info holds the same, plus the std::error_code.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace coronet::net {

struct error_info {
  std::error_code ec;
  std::string code;     // "ECONNREFUSED", "ERR_SOCKET_CLOSED"
  std::string syscall;  // "connect", "read", "write", "listen"; empty for ERR_*
  std::string address;  // IP or Unix path, when the error names one
  std::optional<int> port;
  std::string message;  // Node's text
  // An AggregateError's err.errors: every attempt's error when all of
  // auto_select_family's connection attempts failed (code is then the first
  // one's code and message is empty, as in Node). Empty otherwise.
  std::vector<error_info> errors{};
  std::string name = "Error";  // Node's err.name: "Error", "AbortError", "AggregateError"

  int errno_value() const noexcept { return -ec.value(); }  // Node's err.errno (negative)

  // A system error from `syscall`, messaged like Node's
  // uvExceptionWithHostPort: "<syscall> <CODE> <address>:<port>".
  static error_info system(std::error_code ec, std::string_view syscall, std::string_view address = {},
                           std::optional<int> port = std::nullopt);
  // One of node:net's own errors with Node's message text.
  static error_info node(std::error_code ec, std::string message);
  // Node's AbortError: what a stop request (Node's AbortSignal) destroys
  // with; code "ABORT_ERR", name "AbortError".
  static error_info abort();
};

}  // namespace coronet::net
