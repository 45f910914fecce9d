// tls::create_secure_context: an SSL_CTX from PEM text or files.
#include <coronet/tls/context.hpp>
#include <coronet/tls/errors.hpp>

#include "engine.hpp"
#include "ossl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace coronet::tls {

namespace {
using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// PEM text as it is, or the contents of the file it names.
std::string pem_text(const std::string& source, std::string_view what) {
  if (source.find("-----BEGIN") != std::string::npos) return source;
  std::ifstream in(source, std::ios::binary);
  if (!in) throw error(errc::ERR_OSSL, "ENOENT", std::string(what) + ": cannot read " + source);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bio_ptr pem_bio(const std::string& text) {
  return {BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free};
}

int version_of(const std::string& name, std::string_view which) {
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1") return TLS1_VERSION;
  throw error(errc::ERR_TLS_INVALID_PROTOCOL_VERSION, "ERR_TLS_INVALID_PROTOCOL_VERSION",
              "\"" + name + "\" is not a valid " + std::string(which) + " TLS protocol version");
}

int passphrase_cb(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  const int n = std::min(size, static_cast<int>(pass->size()));
  pass->copy(buf, static_cast<std::size_t>(n));
  return n;
}

void load_cert_chain(SSL_CTX* ctx, const std::string& source) {
  const std::string text = pem_text(source, "cert");
  auto bio = pem_bio(text);
  X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
  if (!leaf) detail::throw_ossl("cert");
  const int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (!ok) detail::throw_ossl("cert");
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (!SSL_CTX_add0_chain_cert(ctx, extra)) {
      X509_free(extra);
      detail::throw_ossl("cert");
    }
  }
  ERR_clear_error();  // the end of the file reads as "no start line"
}

void load_key(SSL_CTX* ctx, const std::string& source, std::string passphrase) {
  const std::string text = pem_text(source, "key");
  auto bio = pem_bio(text);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, &passphrase_cb, &passphrase);
  if (!key) detail::throw_ossl("key");
  const int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (!ok) detail::throw_ossl("key");
}

void load_ca(SSL_CTX* ctx, const std::string& source) {
  const std::string text = pem_text(source, "ca");
  auto bio = pem_bio(text);
  X509_STORE* store = X509_STORE_new();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    // A server asks for client certificates issued by these.
    SSL_CTX_add_client_CA(ctx, cert);
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();
  SSL_CTX_set_cert_store(ctx, store);  // replaces the system store, as Node's ca does
  if (count == 0) throw error(errc::ERR_OSSL, "ERR_OSSL_PEM_NO_START_LINE", "ca: no certificate found");
}

void set_ciphers(SSL_CTX* ctx, const std::string& ciphers) {
  // Node's ciphers string mixes both kinds: TLS_* names are TLS 1.3 suites.
  std::string v12, v13;
  std::istringstream in(ciphers);
  for (std::string name; std::getline(in, name, ':');) {
    if (name.empty()) continue;
    auto& list = name.rfind("TLS_", 0) == 0 ? v13 : v12;
    if (!list.empty()) list += ':';
    list += name;
  }
  if (!v12.empty() && !SSL_CTX_set_cipher_list(ctx, v12.c_str())) detail::throw_ossl("ciphers");
  if (!v13.empty() && !SSL_CTX_set_ciphersuites(ctx, v13.c_str())) detail::throw_ossl("ciphers");
  if (v12.empty() && !v13.empty()) SSL_CTX_set_cipher_list(ctx, "");  // only TLS 1.3 suites named
}
// A certificate given without its issuers: OpenSSL would look them up in
// the trust store at every handshake (with the system store that is a
// stat and a directory scan of /etc/ssl/certs per connection, a cost
// bench/tls/compare.sh --handshakes shows). Look once, as Node does when it
// loads a cert, and send that chain from then on.
void complete_chain_once(SSL_CTX* ctx) {
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    SSL_CTX_build_cert_chain(ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR);
    ERR_clear_error();  // an issuer not found is no error: the leaf goes alone
  }
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
}
}  // namespace

secure_context::~secure_context() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

std::shared_ptr<secure_context> create_secure_context(const secure_context_options& o) {
  SSL_CTX* raw = SSL_CTX_new(TLS_method());
  if (!raw) detail::throw_ossl("SSL_CTX_new");
  auto ctx = std::make_shared<secure_context>(raw);
  SSL_CTX_set_min_proto_version(raw, version_of(o.min_version, "minimum"));
  SSL_CTX_set_max_proto_version(raw, version_of(o.max_version, "maximum"));
  // Renegotiation is refused (a client that asks gets no_renegotiation).
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Tickets on the server; the client is told of each one (the `session` event).
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_BOTH);
  static constexpr unsigned char sid[] = "coronet";
  SSL_CTX_set_session_id_context(raw, sid, sizeof sid - 1);
  // Keep each connection's record buffers: releasing them between records
  // would allocate per record.
  SSL_CTX_clear_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  if (!o.ciphers.empty()) set_ciphers(raw, o.ciphers);
  if (!o.cert.empty()) load_cert_chain(raw, o.cert);
  if (!o.key.empty()) load_key(raw, o.key, o.passphrase);
  if (!o.cert.empty() && !o.key.empty() && !SSL_CTX_check_private_key(raw)) detail::throw_ossl("key");
  if (o.ca.empty()) {
    SSL_CTX_set_default_verify_paths(raw);  // the system's trust store
  } else {
    load_ca(raw, o.ca);
  }
  if (!o.cert.empty()) complete_chain_once(raw);
  detail::engine::install_callbacks(raw);
  return ctx;
}

}  // namespace coronet::tls
