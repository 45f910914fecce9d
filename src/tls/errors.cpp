#include <coronet/tls/errors.hpp>

#include <array>
#include <string_view>

namespace coronet::tls {
namespace {

constexpr std::array<std::string_view, 8> names = {
    "",
    "ERR_TLS_HANDSHAKE_TIMEOUT",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "ERR_TLS_INVALID_PROTOCOL_VERSION",
    "ERR_SSL",
    "ERR_TLS_CERT",
    "ERR_OSSL",
    "ERR_TLS_REQUIRED_SERVER_NAME",
};
static_assert(names.size() == static_cast<std::size_t>(errc::ERR_TLS_REQUIRED_SERVER_NAME) + 1,
              "every errc needs a name");

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "node:tls"; }
  std::string message(int value) const override {
    if (value <= 0 || value >= static_cast<int>(names.size())) return "unknown node:tls error";
    return std::string(names[static_cast<std::size_t>(value)]);
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc code) noexcept { return {static_cast<int>(code), error_category()}; }

error::error(errc value, std::string code_name, std::string message)
    : std::system_error(make_error_code(value)), code_name_(std::move(code_name)), message_(std::move(message)) {}

}  // namespace coronet::tls
