// Node's names for what OpenSSL reports, and certificates as Node shows them.
#include "ossl.hpp"

#include <coronet/tls/errors.hpp>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cctype>
#include <memory>

namespace coronet::tls::detail {

namespace {
// Node builds ERR_SSL_<REASON> (or ERR_OSSL_<REASON> for other libraries)
// from the reason text: upper case, spaces and dashes to underscores.
std::string code_of(std::string_view prefix, std::string_view reason) {
  std::string code(prefix);
  for (char c : reason)
    code += (c == ' ' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return code;
}

struct reason_text {
  std::string code, message;
};

// Node's library part of the code: ERR_OSSL_PEM_..., ERR_OSSL_X509_...
std::string_view library_of(int lib) {
  switch (lib) {
    case ERR_LIB_SSL:
      return "";
    case ERR_LIB_SYS:
      return "SYS_";
    case ERR_LIB_BN:
      return "BN_";
    case ERR_LIB_RSA:
      return "RSA_";
    case ERR_LIB_EVP:
      return "EVP_";
    case ERR_LIB_BUF:
      return "BUF_";
    case ERR_LIB_PEM:
      return "PEM_";
    case ERR_LIB_X509:
      return "X509_";
    case ERR_LIB_ASN1:
      return "ASN1_";
    case ERR_LIB_CRYPTO:
      return "CRYPTO_";
    case ERR_LIB_EC:
      return "EC_";
    case ERR_LIB_BIO:
      return "BIO_";
    case ERR_LIB_X509V3:
      return "X509V3_";
    case ERR_LIB_PKCS12:
      return "PKCS12_";
    case ERR_LIB_RAND:
      return "RAND_";
    case ERR_LIB_UI:
      return "UI_";
    case ERR_LIB_PROV:
      return "PROV_";
    case ERR_LIB_OSSL_DECODER:
      return "OSSL_DECODER_";
    default:
      return "";
  }
}

reason_text oldest_reason(std::string_view prefix_ssl, std::string_view prefix_other) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return {};
  const char* reason = ERR_reason_error_string(e);
  std::string text = reason ? reason : "unknown error " + std::to_string(ERR_GET_REASON(e));
  const bool ssl = ERR_GET_LIB(e) == ERR_LIB_SSL;
  return {code_of(std::string(ssl ? prefix_ssl : prefix_other) + std::string(library_of(ERR_GET_LIB(e))), text), text};
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string time_text(const ASN1_TIME* t) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASN1_TIME_print(bio.get(), t);
  return bio_text(bio.get());
}

std::map<std::string, std::string> name_fields(const X509_NAME* name) {
  std::map<std::string, std::string> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const char* key = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (n >= 0 && key) out[key] = std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
  }
  return out;
}

std::string alt_names(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return {};
  std::string out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    std::string one;
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
    };
    if (g->type == GEN_DNS) {
      one = "DNS:" + text(g->d.dNSName);
    } else if (g->type == GEN_EMAIL) {
      one = "email:" + text(g->d.rfc822Name);
    } else if (g->type == GEN_URI) {
      one = "URI:" + text(g->d.uniformResourceIdentifier);
    } else if (g->type == GEN_IPADD) {
      char buf[INET6_ADDRSTRLEN] = {};
      const int len = ASN1_STRING_length(g->d.iPAddress);
      const unsigned char* p = ASN1_STRING_get0_data(g->d.iPAddress);
      if (len == 4 || len == 16) {
        ::inet_ntop(len == 4 ? AF_INET : AF_INET6, p, buf, sizeof buf);
        one = std::string("IP Address:") + buf;
      }
    }
    if (one.empty()) continue;
    if (!out.empty()) out += ", ";
    out += one;
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string hex_colons(const unsigned char* p, unsigned n) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}
}  // namespace

net::error_info ssl_error(std::string_view fallback) {
  auto r = oldest_reason("ERR_SSL_", "ERR_OSSL_");
  net::error_info e;
  e.ec = make_error_code(errc::ERR_SSL);
  e.code = r.code.empty() ? code_of("ERR_SSL_", fallback) : r.code;
  e.message = r.code.empty() ? std::string(fallback) : r.message;
  return e;
}

void throw_ossl(std::string_view what) {
  auto r = oldest_reason("ERR_SSL_", "ERR_OSSL_");
  if (r.code.empty()) throw error(errc::ERR_OSSL, "ERR_OSSL", std::string(what));
  throw error(errc::ERR_OSSL, r.code, std::string(what) + ": " + r.message);
}

net::error_info verify_error(long result) {
  net::error_info e;
  e.ec = make_error_code(errc::ERR_TLS_CERT);
  e.message = X509_verify_cert_error_string(result);
  switch (result) {
#define CORONET_X509(name) \
  case X509_V_ERR_##name:  \
    e.code = #name;        \
    break;
    CORONET_X509(UNABLE_TO_GET_ISSUER_CERT)
    CORONET_X509(UNABLE_TO_GET_CRL)
    CORONET_X509(UNABLE_TO_DECRYPT_CERT_SIGNATURE)
    CORONET_X509(UNABLE_TO_DECRYPT_CRL_SIGNATURE)
    CORONET_X509(UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY)
    CORONET_X509(CERT_SIGNATURE_FAILURE)
    CORONET_X509(CRL_SIGNATURE_FAILURE)
    CORONET_X509(CERT_NOT_YET_VALID)
    CORONET_X509(CERT_HAS_EXPIRED)
    CORONET_X509(CRL_NOT_YET_VALID)
    CORONET_X509(CRL_HAS_EXPIRED)
    CORONET_X509(ERROR_IN_CERT_NOT_BEFORE_FIELD)
    CORONET_X509(ERROR_IN_CERT_NOT_AFTER_FIELD)
    CORONET_X509(ERROR_IN_CRL_LAST_UPDATE_FIELD)
    CORONET_X509(ERROR_IN_CRL_NEXT_UPDATE_FIELD)
    CORONET_X509(OUT_OF_MEM)
    CORONET_X509(DEPTH_ZERO_SELF_SIGNED_CERT)
    CORONET_X509(SELF_SIGNED_CERT_IN_CHAIN)
    CORONET_X509(UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
    CORONET_X509(UNABLE_TO_VERIFY_LEAF_SIGNATURE)
    CORONET_X509(CERT_CHAIN_TOO_LONG)
    CORONET_X509(CERT_REVOKED)
    CORONET_X509(INVALID_CA)
    CORONET_X509(PATH_LENGTH_EXCEEDED)
    CORONET_X509(INVALID_PURPOSE)
    CORONET_X509(CERT_UNTRUSTED)
    CORONET_X509(CERT_REJECTED)
    CORONET_X509(HOSTNAME_MISMATCH)
#undef CORONET_X509
    default:
      e.code = "UNSPECIFIED";
  }
  return e;
}

peer_certificate to_peer_certificate(X509* cert) {
  peer_certificate c;
  c.subject = name_fields(X509_get_subject_name(cert));
  c.issuer = name_fields(X509_get_issuer_name(cert));
  c.subjectaltname = alt_names(cert);
  c.valid_from = time_text(X509_get0_notBefore(cert));
  c.valid_to = time_text(X509_get0_notAfter(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n)) c.fingerprint256 = hex_colons(md, n);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      c.serial_number = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len > 0) c.raw.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return c;
}

}  // namespace coronet::tls::detail
