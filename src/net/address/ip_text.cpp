#include "ip_text.hpp"

#include <array>
#include <cstdio>

namespace coronet::net::detail {
namespace {

// Hex digit values, -1 for anything else: one load per character instead of
// three range tests keeps address parsing off check()'s critical path.
constexpr std::array<signed char, 256> hex_table = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'A' + 10);
  return t;
}();

inline int hex_value(char c) noexcept { return hex_table[static_cast<unsigned char>(c)]; }

}  // namespace

bool parse_ipv4(std::string_view text, std::uint32_t& out) noexcept {
  std::uint32_t value = 0;
  unsigned part = 0, parts = 0;
  bool saw_digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      // A part may be "0" but never start with 0 otherwise.
      if (saw_digit && part == 0) return false;
      part = part * 10 + static_cast<unsigned>(c - '0');
      if (part > 255) return false;
      if (!saw_digit) {
        if (++parts > 4) return false;
        saw_digit = true;
      }
    } else if (c == '.' && saw_digit) {
      if (parts == 4) return false;
      value = (value << 8) | part;
      part = 0;
      saw_digit = false;
    } else {
      return false;
    }
  }
  if (parts < 4 || !saw_digit) return false;
  out = (value << 8) | part;
  return true;
}

bool parse_ipv6(std::string_view text, ip_bytes& out) noexcept {
  ip_bytes tmp{};
  std::size_t tp = 0, pos = 0;
  long gap = -1;  // where "::" sits, in bytes
  if (!text.empty() && text[0] == ':') {
    // A leading colon is only valid as half of "::".
    if (text.size() < 2 || text[1] != ':') return false;
    pos = 1;
  }
  std::size_t token = pos;
  unsigned value = 0, digits = 0;
  while (pos < text.size()) {
    char c = text[pos++];
    if (int h = hex_value(c); h >= 0) {
      value = (value << 4) | static_cast<unsigned>(h);
      if (++digits > 4) return false;
      continue;
    }
    if (c == ':') {
      token = pos;
      if (digits == 0) {
        if (gap >= 0) return false;
        gap = static_cast<long>(tp);
        continue;
      }
      if (pos == text.size() || tp + 2 > 16) return false;
      tmp[tp++] = static_cast<std::uint8_t>(value >> 8);
      tmp[tp++] = static_cast<std::uint8_t>(value);
      value = digits = 0;
      continue;
    }
    // A dot means the current token is a dotted quad filling the last 4 bytes.
    std::uint32_t v4 = 0;
    if (c == '.' && tp + 4 <= 16 && parse_ipv4(text.substr(token), v4)) {
      for (int shift = 24; shift >= 0; shift -= 8) tmp[tp++] = static_cast<std::uint8_t>(v4 >> shift);
      digits = 0;
      break;
    }
    return false;
  }
  if (digits > 0) {
    if (tp + 2 > 16) return false;
    tmp[tp++] = static_cast<std::uint8_t>(value >> 8);
    tmp[tp++] = static_cast<std::uint8_t>(value);
  }
  if (gap >= 0) {
    // "::" must stand for at least one group.
    if (tp == 16) return false;
    std::size_t tail = tp - static_cast<std::size_t>(gap);
    for (std::size_t i = 1; i <= tail; ++i) {
      tmp[16 - i] = tmp[static_cast<std::size_t>(gap) + tail - i];
      tmp[static_cast<std::size_t>(gap) + tail - i] = 0;
    }
    tp = 16;
  }
  if (tp != 16) return false;
  out = tmp;
  return true;
}

bool parse_ipv6_zoned(std::string_view text, ip_bytes& out, std::string_view& zone) noexcept {
  zone = {};
  auto percent = text.find('%');
  if (percent != std::string_view::npos) {
    zone = text.substr(percent + 1);
    // libuv copies the address part into a 46-byte buffer, silently cutting it.
    text = text.substr(0, percent < 46 ? percent : 45);
  }
  return parse_ipv6(text, out);
}

std::string format_ipv4(std::uint32_t a) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string format_ipv6(const ip_bytes& b) {
  unsigned words[8];
  for (int i = 0; i < 8; ++i) words[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base < 0) cur_base = i, cur_len = 0;
      ++cur_len;
      if (cur_len > best_len) best_base = cur_base, best_len = cur_len;
    } else {
      cur_base = -1;
    }
  }
  if (best_len < 2) best_base = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (best_base >= 0 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) out += ':';
      continue;
    }
    if (i != 0) out += ':';
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      out += format_ipv4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) | (std::uint32_t{b[14]} << 8) |
                         b[15]);
      return out;
    }
    int n = std::snprintf(buf, sizeof buf, "%x", words[i]);
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (best_base >= 0 && best_base + best_len == 8) out += ':';
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace coronet::net::detail
