// node:tls's errors. What a user can act on, never an OpenSSL queue dump:
//   - a handshake that OpenSSL refused: code "ERR_SSL_<REASON>" as Node
//     builds it ("ERR_SSL_WRONG_VERSION_NUMBER",
//     "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"), message the reason
//     ("wrong version number"); ec is errc::ERR_SSL;
//   - a certificate that did not verify: Node's code
//     ("DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", ...), message
//     OpenSSL's text ("self-signed certificate"); ec is errc::ERR_TLS_CERT;
//   - node:tls's own: ERR_TLS_HANDSHAKE_TIMEOUT, ERR_TLS_CERT_ALTNAME_INVALID,
//     ERR_TLS_REQUIRED_SERVER_NAME.
#pragma once

#include <string>
#include <system_error>

namespace coronet::tls {

enum class errc {
  ERR_TLS_HANDSHAKE_TIMEOUT = 1,
  ERR_TLS_CERT_ALTNAME_INVALID,
  ERR_TLS_INVALID_PROTOCOL_VERSION,
  ERR_SSL,                       // error_info::code says which ("ERR_SSL_...")
  ERR_TLS_CERT,                  // error_info::code says which ("CERT_HAS_EXPIRED", ...)
  ERR_OSSL,                      // a key, certificate or option OpenSSL would not take
  ERR_TLS_REQUIRED_SERVER_NAME,  // server::add_context without a hostname
};

// Named "node:tls"; message(v) is the code's name.
const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc code) noexcept;

// Thrown by create_secure_context (and so by connect and create_server)
// for a key, certificate, CA or option that cannot be used, as Node throws.
// code_name() is Node's code ("ERR_OSSL_PEM_NO_START_LINE", ...).
class error : public std::system_error {
 public:
  error(errc value, std::string code_name, std::string message);
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& code_name() const noexcept { return code_name_; }

 private:
  std::string code_name_;
  std::string message_;
};

}  // namespace coronet::tls

template <>
struct std::is_error_code_enum<coronet::tls::errc> : std::true_type {};
