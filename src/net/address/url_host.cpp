#include "url_host.hpp"

#include <string>
#include <vector>

namespace coronet::net::detail {
namespace {

int hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The URL standard's "IPv4 number parser": 0x prefix for hex, a leading 0
// for octal. Values are saturated so that huge inputs still compare > 2^32.
bool ipv4_number(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  unsigned radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16, s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8, s.remove_prefix(1);
  }
  std::uint64_t v = 0;
  for (char c : s) {
    int d = hex(c);
    if (d < 0 || static_cast<unsigned>(d) >= radix) return false;
    v = v * radix + static_cast<unsigned>(d);
    if (v > 0xffffffffffULL) v = 0xffffffffffULL;  // far above any valid value
  }
  out = v;
  return true;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

bool ends_in_number(std::string_view host) {
  auto parts = split_dots(host);
  if (parts.back().empty()) {
    if (parts.size() == 1) return false;
    parts.pop_back();
  }
  auto last = parts.back();
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && is_digit(c);
  std::uint64_t ignored;
  return digits || ipv4_number(last, ignored);
}

bool url_ipv4(std::string_view host, std::uint32_t& out) {
  auto parts = split_dots(host);
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts.size() > 4) return false;
  std::uint64_t numbers[4];
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!ipv4_number(parts[i], numbers[i])) return false;
  std::size_t n = parts.size();
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (numbers[i] > 255) return false;
  if (numbers[n - 1] >= (std::uint64_t{1} << (8 * (5 - n)))) return false;
  std::uint64_t v = numbers[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i) v += numbers[i] << (8 * (3 - i));
  out = static_cast<std::uint32_t>(v);
  return true;
}

// The URL standard's IPv6 parser; it differs from inet_pton only in details
// that cannot matter here, but following it keeps the two paths honest.
bool url_ipv6(std::string_view s, ip_bytes& out) {
  std::uint16_t piece[8] = {};
  int index = 0, compress = -1;
  std::size_t p = 0;
  auto at = [&](std::size_t i) { return i < s.size() ? s[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return false;
    p += 2, compress = ++index;
  }
  while (p < s.size()) {
    if (index == 8) return false;
    if (s[p] == ':') {
      if (compress >= 0) return false;
      ++p, compress = ++index;
      continue;
    }
    unsigned value = 0, length = 0;
    while (length < 4 && p < s.size() && hex(s[p]) >= 0)
      value = value * 16 + static_cast<unsigned>(hex(s[p++])), ++length;
    if (at(p) == '.') {
      if (length == 0 || index > 6) return false;
      p -= length;
      int seen = 0;
      while (p < s.size()) {
        int part = -1;
        if (seen > 0) {
          if (s[p] == '.' && seen < 4)
            ++p;
          else
            return false;
        }
        if (!is_digit(at(p))) return false;
        while (is_digit(at(p))) {
          int d = s[p] - '0';
          if (part < 0)
            part = d;
          else if (part == 0)
            return false;
          else
            part = part * 10 + d;
          if (part > 255) return false;
          ++p;
        }
        piece[index] = static_cast<std::uint16_t>(piece[index] * 0x100 + part);
        if (++seen == 2 || seen == 4) ++index;
      }
      if (seen != 4) return false;
      break;
    } else if (at(p) == ':') {
      if (++p == s.size()) return false;
    } else if (p < s.size()) {
      return false;
    }
    piece[index++] = static_cast<std::uint16_t>(value);
  }
  if (compress >= 0) {
    int swaps = index - compress;
    for (int i = 7; i != 0 && swaps > 0; --i, --swaps) std::swap(piece[i], piece[compress + swaps - 1]);
  } else if (index != 8) {
    return false;
  }
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(piece[i] >> 8);
    out[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(piece[i]);
  }
  return true;
}

}  // namespace

std::optional<http_endpoint> parse_http_endpoint(std::string_view input) {
  // URL pre-processing: tabs and newlines vanish anywhere; trailing C0
  // controls and spaces are trimmed (leading ones would precede "http://").
  std::string s;
  s.reserve(input.size());
  for (char c : input)
    if (c != '\t' && c != '\n' && c != '\r') s += c;
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= 0x20) s.pop_back();

  std::string_view rest = s;
  // Special schemes ignore any run of slashes before the authority.
  while (!rest.empty() && (rest[0] == '/' || rest[0] == '\\')) rest.remove_prefix(1);
  auto authority = rest.substr(0, rest.find_first_of("/\\?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);

  // Host ends at the first ':' outside brackets; the rest is the port.
  std::size_t colon = std::string_view::npos;
  bool in_brackets = false;
  for (std::size_t i = 0; i < authority.size() && colon == std::string_view::npos; ++i) {
    if (authority[i] == '[')
      in_brackets = true;
    else if (authority[i] == ']')
      in_brackets = false;
    else if (authority[i] == ':' && !in_brackets)
      colon = i;
  }
  auto host = authority.substr(0, colon);
  if (host.empty()) return std::nullopt;

  http_endpoint result;
  if (colon != std::string_view::npos) {
    std::uint32_t port = 0;
    for (char c : authority.substr(colon + 1)) {
      if (!is_digit(c)) return std::nullopt;
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
      if (port > 65535) return std::nullopt;
    }
    // An explicit :80 is kept: the URL parser drops the http scheme's default
    // port, which Node v26 inherited and its main branch fixed.
    result.port = static_cast<std::uint16_t>(port);
  }

  if (host[0] == '[') {
    if (host.back() != ']' || host.size() < 2) return std::nullopt;
    if (!url_ipv6(host.substr(1, host.size() - 2), result.bytes)) return std::nullopt;
    result.v6 = true;
    return result;
  }
  // Percent-decode, then map to lower case (all UTS 46 does to ASCII).
  std::string domain;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '%' && i + 2 < host.size() && hex(host[i + 1]) >= 0 && hex(host[i + 2]) >= 0) {
      c = static_cast<char>(hex(host[i + 1]) * 16 + hex(host[i + 2]));
      i += 2;
    }
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    domain += c;
  }
  // A host that does not end in a number is a domain name, and a domain name
  // is never a valid SocketAddress.
  std::uint32_t v4 = 0;
  if (!ends_in_number(domain) || !url_ipv4(domain, v4)) return std::nullopt;
  result.bytes = bytes_of(mapped_base | v4);
  return result;
}

}  // namespace coronet::net::detail
