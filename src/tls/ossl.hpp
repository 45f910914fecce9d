// The few OpenSSL helpers the tls sources share: Node's names for
// OpenSSL's errors, and a certificate as Node shows it.
#pragma once

#include <coronet/net/error_info.hpp>
#include <coronet/tls/socket.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace coronet::tls::detail {

// The oldest error on OpenSSL's queue as Node names it ("ERR_SSL_HTTP_REQUEST",
// "http request"), and the queue cleared. `fallback` when the queue is empty.
net::error_info ssl_error(std::string_view fallback);
// For create_secure_context: "ERR_OSSL_PEM_NO_START_LINE"-style, thrown.
[[noreturn]] void throw_ossl(std::string_view what);

// X509_V_ERR_CERT_HAS_EXPIRED -> code "CERT_HAS_EXPIRED", message
// "certificate has expired".
net::error_info verify_error(long x509_result);

peer_certificate to_peer_certificate(X509* cert);

}  // namespace coronet::tls::detail
