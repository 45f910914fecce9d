#include <coronet/error.hpp>

#include <cerrno>
#include <cstring>

namespace coronet {

std::string_view errno_name(int err) noexcept {
  // strerrorname_np (glibc 2.32+) gives exactly the names Node reports.
  const char* name = ::strerrorname_np(err);
  return name ? std::string_view(name) : std::string_view();
}

std::string error_name(const std::error_code& ec) {
  if (ec.category() == std::system_category() || ec.category() == std::generic_category()) {
    auto name = errno_name(ec.value());
    if (!name.empty()) return std::string(name);
  }
  return ec.message();
}

}  // namespace coronet
