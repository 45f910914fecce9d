#include <coronet/error.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/errors.hpp>

namespace coronet::net {

error_info error_info::system(std::error_code ec, std::string_view syscall, std::string_view address,
                              std::optional<int> port) {
  error_info e;
  e.ec = ec;
  e.code = error_name(ec);
  e.syscall = syscall;
  e.address = address;
  e.port = port;
  e.message = std::string(syscall) + ' ' + e.code;
  if (!address.empty()) {
    e.message += ' ';
    e.message += address;
    if (port) e.message += ':' + std::to_string(*port);
  }
  return e;
}

error_info error_info::node(std::error_code ec, std::string message) {
  error_info e;
  e.ec = ec;
  e.code = ec.category() == error_category() ? std::string(code_name(static_cast<errc>(ec.value()))) : error_name(ec);
  e.message = std::move(message);
  return e;
}

error_info error_info::abort() {
  error_info e = node(make_error_code(errc::ABORT_ERR), "The operation was aborted");
  e.name = "AbortError";
  return e;
}

}  // namespace coronet::net
