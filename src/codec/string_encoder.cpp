// Buffer.from(string, encoding). Every encoding but utf8 is defined by Node on
// UTF-16 code units, so the text is walked as the units Node would hold for
// it, and each encoding consumes units one at a time. utf8 copies the text
// instead, since valid UTF-8 already is its answer.
#include <coronet/codec/string_encoder.hpp>

#include <cstdint>

namespace coronet::codec {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

struct code_point {
  std::uint32_t value;
  std::size_t size;  // bytes of text it took; 0 if they are not valid UTF-8
};

// The character that starts at text[i], or {U+FFFD, 0} when no well-formed
// sequence starts there (Unicode's table 3-7: no overlong forms, no
// surrogates, nothing past U+10FFFF). The caller then skips one byte, which is
// what makes every invalid byte one U+FFFD.
code_point read_code_point(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  std::size_t size = 0;
  std::uint32_t value = 0;
  unsigned char low = 0x80, high = 0xBF;  // where the second byte may lie
  if (lead >= 0xC2 && lead <= 0xDF) {
    size = 2, value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    size = 3, value = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    size = 4, value = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {0xFFFD, 0};
  }
  if (text.size() - i < size) return {0xFFFD, 0};
  for (std::size_t k = 1; k < size; ++k) {
    if (byte(k) < low || byte(k) > high) return {0xFFFD, 0};
    low = 0x80, high = 0xBF;
    value = (value << 6) | (byte(k) & 0x3F);
  }
  return {value, size};
}

// Calls sink(unit) for each UTF-16 code unit of `text` until it returns false.
template <typename Sink>
void for_each_unit(std::string_view text, Sink sink) {
  for (std::size_t i = 0; i < text.size();) {
    const code_point cp = read_code_point(text, i);
    i += cp.size == 0 ? 1 : cp.size;
    if (cp.value < 0x10000) {
      if (!sink(static_cast<std::uint16_t>(cp.value))) return;
    } else {
      const std::uint32_t v = cp.value - 0x10000;
      if (!sink(static_cast<std::uint16_t>(0xD800 | (v >> 10)))) return;
      if (!sink(static_cast<std::uint16_t>(0xDC00 | (v & 0x3FF)))) return;
    }
  }
}

int hex_value(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Both alphabets at once: Node decodes base64 and base64url alike.
int base64_value(unsigned char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Node sizes the result before decoding it, from the string's length less
// any trailing '=' (in JS for short strings, in C++ for long ones). That size
// never cuts this short: the characters decoded here all come before the
// first '=', so there are never more of them than the size allows for.
void decode_base64(std::string_view text, std::string& out) {
  std::uint32_t bits = 0;  // the group so far, 6 bits per character
  int count = 0;           // characters in the group so far
  for_each_unit(text, [&](std::uint16_t unit) {
    const auto c = static_cast<unsigned char>(unit);
    if (c == '=') return false;
    const int v = base64_value(c);
    if (v < 0) return true;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    // Each character after a group's first completes one more byte, leaving
    // 4, 2, then 0 bits for the next. A group cut short by '=' or the end
    // of the text thus gives 1 or 2 bytes, its leftover bits dropped.
    if (count > 0) {
      const int left = 6 - 2 * count;
      out += static_cast<char>(bits >> left);
      bits &= (1u << left) - 1;
    }
    count = (count + 1) % 4;
    return true;
  });
}

void decode_hex(std::string_view text, std::string& out) {
  int high = -1;  // the pair's first digit, once read; an odd last one is dropped
  for_each_unit(text, [&](std::uint16_t unit) {
    const int v = hex_value(static_cast<unsigned char>(unit));
    // Node stops at the first pair that holds a non-digit; stopping at the
    // non-digit itself writes the same bytes.
    if (v < 0) return false;
    if (high < 0) {
      high = v;
      return true;
    }
    out += static_cast<char>(high << 4 | v);
    high = -1;
    return true;
  });
}

}  // namespace

void encode(std::string_view text, encoding enc, std::string& out) {
  switch (enc) {
    case encoding::utf8:
      for (std::size_t i = 0; i < text.size();) {
        const std::size_t size = read_code_point(text, i).size;
        if (size == 0) {
          out += replacement;
          ++i;
        } else {
          out.append(text, i, size);
          i += size;
        }
      }
      return;
    case encoding::utf16le:
      for_each_unit(text, [&](std::uint16_t unit) {
        out += static_cast<char>(unit & 0xFF);
        out += static_cast<char>(unit >> 8);
        return true;
      });
      return;
    case encoding::latin1:
    case encoding::ascii:
      for_each_unit(text, [&](std::uint16_t unit) {
        out += static_cast<char>(unit & 0xFF);
        return true;
      });
      return;
    case encoding::hex:
      decode_hex(text, out);
      return;
    case encoding::base64:
    case encoding::base64url:
      decode_base64(text, out);
      return;
  }
}

}  // namespace coronet::codec
