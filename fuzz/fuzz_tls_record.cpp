// libFuzzer target: arbitrary bytes from a peer reach a server-side
// tls::socket over a socket pair. Whatever they are (a ClientHello cut
// short, a record with a wrong length, an alert, garbage), the socket must
// end in `close` without a crash, a hang or a leak (ASan).
#include <coronet/loop.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/socket.hpp>

#include "tls/role.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace coronet;

namespace {
std::string pem(int (*write)(BIO*, void*), void* what) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, what);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// A throwaway key and self-signed certificate, made once per process.
std::shared_ptr<tls::secure_context> server_context() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  const std::string key_pem = pem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
      },
      key);
  const std::string cert_pem = pem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return tls::create_secure_context({.key = key_pem, .cert = cert_pem});
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto context = server_context();
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  {
    loop l;
    tls::detail::role role;
    role.context = context;
    role.is_server = true;
    auto s = tls::socket::create(l, {.fd = fds[0]}, role);
    bool closed = false;
    s->on<"error">([](const net::error_info&) {});
    s->on<"data">([](std::string_view) {});
    s->on<"close">([&](bool) { closed = true; });
    // The peer's bytes, then its FIN (a max_len of a few KiB fits the pair's buffer).
    if (size > 0 && ::write(fds[1], data, size) != static_cast<ssize_t>(size)) std::abort();
    ::shutdown(fds[1], SHUT_WR);
    l.run();
    if (!closed) std::abort();  // the FIN must end it, whatever came before
  }
  ::close(fds[1]);
  return 0;
}
