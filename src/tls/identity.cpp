// tls::check_server_identity, as Node's tls.checkServerIdentity decides.
#include <coronet/net/address/is_ip.hpp>
#include <coronet/tls/errors.hpp>
#include <coronet/tls/socket.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace coronet::tls {

namespace {
std::string unfqdn(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return std::string(host);
}

std::vector<std::string> split_host(std::string_view host) {
  std::string lower = unfqdn(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = lower.find('.', start);
    parts.push_back(lower.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string canonical_ip(const std::string& text) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN] = {};
  const int af = text.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (::inet_pton(af, text.c_str(), buf) != 1) return text;
  ::inet_ntop(af, buf, out, sizeof out);
  return out;
}

bool matches(const std::vector<std::string>& host, std::string_view pattern_text, bool wildcards) {
  if (pattern_text.empty()) return false;
  const auto pattern = split_host(pattern_text);
  if (host.size() != pattern.size()) return false;
  for (const auto& p : pattern) {
    if (p.empty()) return false;
    for (unsigned char c : p)
      if (c < 0x21 || c > 0x7f) return false;
  }
  for (std::size_t i = host.size() - 1; i > 0; --i)
    if (host[i] != pattern[i]) return false;
  const std::string& sub = host[0];
  const std::string& pat = pattern[0];
  const auto star = pat.find('*');
  if (star == std::string::npos || pat.find("xn--") != std::string::npos) return sub == pat;
  if (!wildcards || pat.find('*', star + 1) != std::string::npos || pattern.size() <= 2) return false;
  const std::string prefix = pat.substr(0, star), suffix = pat.substr(star + 1);
  if (prefix.size() + suffix.size() > sub.size()) return false;
  return sub.compare(0, prefix.size(), prefix) == 0 &&
         sub.compare(sub.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::optional<net::error_info> check_server_identity(std::string_view hostname_in, const peer_certificate& cert) {
  std::vector<std::string> dns, ips;
  const std::string& alt = cert.subjectaltname;
  std::size_t start = 0;
  while (start < alt.size()) {
    auto end = alt.find(", ", start);
    if (end == std::string::npos) end = alt.size();
    const std::string name = alt.substr(start, end - start);
    if (name.rfind("DNS:", 0) == 0) dns.push_back(name.substr(4));
    if (name.rfind("IP Address:", 0) == 0) ips.push_back(canonical_ip(name.substr(11)));
    start = end + 2;
  }
  const std::string hostname = unfqdn(hostname_in);
  bool valid = false;
  std::string reason = "Unknown reason";
  const auto cn = cert.subject.find("CN");
  if (net::is_ip(hostname)) {
    valid = std::find(ips.begin(), ips.end(), canonical_ip(hostname)) != ips.end();
    if (!valid) {
      reason = "IP: " + hostname + " is not in the cert's list: ";
      for (std::size_t i = 0; i < ips.size(); ++i) reason += (i ? ", " : "") + ips[i];
    }
  } else if (!dns.empty() || cn != cert.subject.end()) {
    const auto host = split_host(hostname);
    if (!dns.empty()) {
      valid = std::any_of(dns.begin(), dns.end(), [&](const std::string& p) { return matches(host, p, true); });
      if (!valid) reason = "Host: " + hostname + ". is not in the cert's altnames: " + alt;
    } else {
      valid = matches(host, cn->second, true);
      if (!valid) reason = "Host: " + hostname + ". is not cert's CN: " + cn->second;
    }
  } else {
    reason = "Cert does not contain a DNS name";
  }
  if (valid) return std::nullopt;
  net::error_info e;
  e.ec = make_error_code(errc::ERR_TLS_CERT_ALTNAME_INVALID);
  e.code = "ERR_TLS_CERT_ALTNAME_INVALID";
  e.message = "Hostname/IP does not match certificate's altnames: " + reason;
  return e;
}

}  // namespace coronet::tls
