// tls::secure_context: Node's tls.createSecureContext. Keys, certificates,
// trust and protocol limits, shared by every connection made with it.
//
//     auto ctx = tls::create_secure_context({.key = "server.key", .cert = "server.crt"});
//
// key, cert and ca each take PEM text or the path of a PEM file. Without a
// ca the system's trust store is used (OpenSSL's default paths); a ca
// replaces it, as in Node. Errors throw tls::error with Node's code.
#pragma once

#include <coronet/tls/errors.hpp>

#include <memory>
#include <string>

namespace coronet::tls {

struct secure_context_options {
  std::string key{};         // private key (PEM text or file)
  std::string cert{};        // certificate chain (PEM text or file)
  std::string ca{};          // trusted CAs (PEM text or file); empty: the system store
  std::string passphrase{};  // for an encrypted key
  // OpenSSL cipher names joined by ':'; TLS_* names are TLS 1.3 suites.
  // Empty: OpenSSL's defaults.
  std::string ciphers{};
  std::string min_version = "TLSv1.2";  // "TLSv1.2" or "TLSv1.3"
  std::string max_version = "TLSv1.3";
};

class secure_context {
 public:
  explicit secure_context(void* ssl_ctx) noexcept : ctx_(ssl_ctx) {}
  ~secure_context();
  secure_context(const secure_context&) = delete;
  secure_context& operator=(const secure_context&) = delete;

  // The OpenSSL SSL_CTX*, for settings coronet does not wrap.
  void* native_handle() const noexcept { return ctx_; }

 private:
  void* ctx_;
};

std::shared_ptr<secure_context> create_secure_context(const secure_context_options& options = {});

}  // namespace coronet::tls
