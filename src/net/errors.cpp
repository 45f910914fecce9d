#include "coronet/net/errors.hpp"

#include <array>

namespace coronet::net {
namespace {

// Indexed by the enum value; slot 0 is unused because errc starts at 1.
constexpr std::array<std::string_view, 23> names = {
    "",
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_ARG_VALUE",
    "ERR_OUT_OF_RANGE",
    "ERR_SOCKET_BAD_PORT",
    "ERR_INVALID_ADDRESS",
    "ERR_INVALID_ADDRESS_FAMILY",
    "ERR_INVALID_IP_ADDRESS",
    "ERR_SERVER_ALREADY_LISTEN",
    "ERR_SERVER_NOT_RUNNING",
    "ERR_SOCKET_CLOSED",
    "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
    "ERR_INVALID_HANDLE_TYPE",
    "ERR_IP_BLOCKED",
    "ERR_MISSING_ARGS",
    "ERR_STREAM_DESTROYED",
    "ERR_STREAM_WRITE_AFTER_END",
    "ERR_INVALID_FD_TYPE",
    "ERR_SOCKET_BAD_BUFFER_SIZE",
    "ERR_SOCKET_HANDLE_ADOPTED",
    "ERR_UNKNOWN_ENCODING",
    "ABORT_ERR",
};
static_assert(names.size() == static_cast<std::size_t>(errc::ABORT_ERR) + 1, "every errc needs a name");

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "node:net"; }
  std::string message(int value) const override {
    auto text = code_name(static_cast<errc>(value));
    return text.empty() ? "unknown node:net error" : std::string(text);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc code) noexcept { return {static_cast<int>(code), error_category()}; }

std::string_view code_name(errc code) noexcept {
  auto index = static_cast<std::size_t>(code);
  return index < names.size() ? names[index] : std::string_view{};
}

error::error(errc code, std::string message) : std::system_error(make_error_code(code)), message_(std::move(message)) {}

}  // namespace coronet::net
