// node:string_decoder. The buffering follows Node's native decoder
// (src/string_decoder.cc) step by step, because where it draws the line
// between chunks shows in what each write() returns: for instance a chunk
// that ends in an invalid prefix such as E0 80 has that prefix held back,
// and a UTF-16 surrogate pair split in an unlucky place comes out as two
// U+FFFD. Each piece is then decoded the way V8 and Buffer do it.
#include <coronet/codec/string_decoder.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace coronet::codec {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void append_code_point(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    const char s[] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(s, 2);
  } else if (cp < 0x10000) {
    const char s[] = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                      static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(s, 3);
  } else {
    const char s[] = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                      static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(s, 4);
  }
}

// Bytes below 0x80 from `i` on, so ASCII text is copied a run at a time.
std::size_t ascii_run_end(std::string_view in, std::size_t i) noexcept {
  while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) ++i;
  return i;
}

// UTF-8 as V8 decodes it (WHATWG): a valid sequence is copied; otherwise
// the longest prefix that could have begun a valid sequence (at least one
// byte) becomes one U+FFFD, and decoding resumes after it.
void decode_utf8(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t run = ascii_run_end(in, i);
    out.append(in.data() + i, run - i);
    i = run;
    if (i == in.size()) break;

    const auto lead = static_cast<unsigned char>(in[i]);
    std::size_t need = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the next byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      need = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 2;
      if (lead == 0xE0) low = 0xA0;   // no overlong forms
      if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 3;
      if (lead == 0xF0) low = 0x90;   // no overlong forms
      if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    } else {
      out += replacement;
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k <= need && i + k < in.size(); ++k) {
      const auto c = static_cast<unsigned char>(in[i + k]);
      if (c < low || c > high) break;
      low = 0x80;
      high = 0xBF;
    }
    if (k > need) {
      out.append(in.data() + i, k);
    } else {
      out += replacement;
    }
    i += k;
  }
}

// UTF-16LE code units to UTF-8. A surrogate pair may straddle two calls to
// feed() (Node's held bytes, then the chunk); finish() turns a high
// surrogate still waiting into U+FFFD, as Buffer.from(text) does.
struct utf16_to_utf8 {
  std::uint32_t waiting_high = 0;

  void feed(std::string_view bytes, std::string& out) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
      const std::uint32_t unit = static_cast<unsigned char>(bytes[i]) |
                                 static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
      const bool is_low = unit >= 0xDC00 && unit <= 0xDFFF;
      if (waiting_high != 0) {
        if (is_low) {
          append_code_point(0x10000 + ((waiting_high - 0xD800) << 10) + (unit - 0xDC00), out);
          waiting_high = 0;
          continue;
        }
        out += replacement;
        waiting_high = 0;
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        waiting_high = unit;
      } else if (is_low) {
        out += replacement;
      } else {
        append_code_point(unit, out);
      }
    }
  }

  void finish(std::string& out) {
    if (waiting_high != 0) out += replacement;
    waiting_high = 0;
  }
};

void decode_latin1(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t run = ascii_run_end(in, i);
    out.append(in.data() + i, run - i);
    for (i = run; i < in.size() && static_cast<unsigned char>(in[i]) >= 0x80; ++i) {
      append_code_point(static_cast<unsigned char>(in[i]), out);
    }
  }
}

// Node's 'ascii' clears the top bit: 0xE9 reads as 'i', not as U+FFFD.
void decode_ascii(std::string_view in, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + in.size());
  std::transform(in.begin(), in.end(), out.begin() + static_cast<std::ptrdiff_t>(at),
                 [](char c) { return static_cast<char>(c & 0x7F); });
}

void decode_hex(std::string_view in, std::string& out) {
  static constexpr char digits[] = "0123456789abcdef";
  std::size_t at = out.size();
  out.resize(at + 2 * in.size());
  for (char c : in) {
    const auto b = static_cast<unsigned char>(c);
    out[at++] = digits[b >> 4];
    out[at++] = digits[b & 15];
  }
}

// Padded with '=' for base64; base64url has no padding, as in Node.
void encode_base64(std::string_view in, std::string& out, bool url) {
  static constexpr char standard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char url_safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = url ? url_safe : standard;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])); };
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    const char quad[] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], alphabet[v & 63]};
    out.append(quad, 4);
  }
  const std::size_t rest = in.size() - i;
  if (rest == 0) return;
  const std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
  out += alphabet[v >> 18];
  out += alphabet[(v >> 12) & 63];
  if (rest == 2) out += alphabet[(v >> 6) & 63];
  if (!url) out.append(rest == 2 ? 1 : 2, '=');
}

// The encodings whose characters (or base64 groups) span several bytes.
bool holds_partial(encoding enc) noexcept {
  return enc == encoding::utf8 || enc == encoding::utf16le || enc == encoding::base64 || enc == encoding::base64url;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? static_cast<char>(x - 'A' + 'a') : x) == y;
         });
}

struct encoding_alias {
  std::string_view name;  // lower case
  encoding enc;
};

constexpr std::array<encoding_alias, 12> aliases{{
    {"utf8", encoding::utf8},
    {"utf-8", encoding::utf8},
    {"ucs2", encoding::utf16le},
    {"ucs-2", encoding::utf16le},
    {"utf16le", encoding::utf16le},
    {"utf-16le", encoding::utf16le},
    {"latin1", encoding::latin1},
    {"binary", encoding::latin1},
    {"ascii", encoding::ascii},
    {"base64", encoding::base64},
    {"base64url", encoding::base64url},
    {"hex", encoding::hex},
}};

}  // namespace

std::optional<encoding> parse_encoding(std::string_view name) noexcept {
  if (name.empty()) return encoding::utf8;
  for (const auto& alias : aliases) {
    if (equals_ignoring_case(name, alias.name)) return alias.enc;
  }
  return std::nullopt;
}

std::string_view encoding_name(encoding enc) noexcept {
  switch (enc) {
    case encoding::utf8:
      return "utf8";
    case encoding::utf16le:
      return "utf16le";
    case encoding::latin1:
      return "latin1";
    case encoding::ascii:
      return "ascii";
    case encoding::base64:
      return "base64";
    case encoding::base64url:
      return "base64url";
    case encoding::hex:
      return "hex";
  }
  return "utf8";
}

// Decodes complete input: whole characters (a truncated one becomes U+FFFD),
// whole base64 groups plus a padded tail.
void string_decoder::decode(std::string_view bytes, std::string& out) const {
  switch (enc_) {
    case encoding::utf8:
      decode_utf8(bytes, out);
      break;
    case encoding::utf16le: {
      utf16_to_utf8 text;
      text.feed(bytes, out);
      text.finish(out);
      break;
    }
    case encoding::latin1:
      decode_latin1(bytes, out);
      break;
    case encoding::ascii:
      decode_ascii(bytes, out);
      break;
    case encoding::base64:
      encode_base64(bytes, out, false);
      break;
    case encoding::base64url:
      encode_base64(bytes, out, true);
      break;
    case encoding::hex:
      decode_hex(bytes, out);
      break;
  }
}

// How many bytes at the end of `body` (non-empty) to keep for the next
// chunk, and how many more they wait for (missing_), by Node's rules.
std::size_t string_decoder::bytes_to_hold(std::string_view body) noexcept {
  const std::size_t n = body.size();
  missing_ = 0;
  switch (enc_) {
    case encoding::utf8: {
      if (!(static_cast<unsigned char>(body[n - 1]) & 0x80)) return 0;
      // Walk back over at most three continuation bytes to a lead byte.
      // Node reads the length from the lead byte's high bits alone, so it
      // also holds invalid leads such as C0 or F5 and prefixes such as E0 80.
      for (std::size_t i = n - 1, seen = 1;; --i, ++seen) {
        const auto b = static_cast<unsigned char>(body[i]);
        if (is_continuation(body[i])) {
          if (seen >= 4 || i == 0) return 0;
          continue;
        }
        std::size_t length = 0;
        if ((b & 0xE0) == 0xC0)
          length = 2;
        else if ((b & 0xF0) == 0xE0)
          length = 3;
        else if ((b & 0xF8) == 0xF0)
          length = 4;
        if (length <= seen) return 0;  // complete (or too long: invalid anyway)
        missing_ = static_cast<std::uint8_t>(length - seen);
        return seen;
      }
    }
    case encoding::utf16le:
      if (n % 2 == 1) {
        missing_ = 1;
        return 1;
      }
      // A high surrogate (D800-DBFF): its high byte is D8-DB.
      if ((static_cast<unsigned char>(body[n - 1]) & 0xFC) == 0xD8) {
        missing_ = 2;
        return 2;
      }
      return 0;
    case encoding::base64:
    case encoding::base64url:
      if (n % 3 != 0) missing_ = static_cast<std::uint8_t>(3 - n % 3);
      return n % 3;
    default:
      return 0;
  }
}

void string_decoder::write(std::string_view bytes, std::string& out) {
  if (!holds_partial(enc_)) {
    decode(bytes, out);
    return;
  }
  // First finish the character held from the last chunk, if this chunk can.
  std::string_view prepend;
  if (missing_ > 0) {
    std::size_t take = std::min<std::size_t>(bytes.size(), missing_);
    if (enc_ == encoding::utf8) {
      // A byte that cannot continue the character ends it early; the held
      // bytes are decoded as they are (to U+FFFD) and that byte starts anew.
      for (std::size_t i = 0; i < take; ++i) {
        if (!is_continuation(bytes[i])) {
          take = i;
          missing_ = static_cast<std::uint8_t>(i);
          break;
        }
      }
    }
    if (take > 0) std::memcpy(held_ + held_size_, bytes.data(), take);
    held_size_ = static_cast<std::uint8_t>(held_size_ + take);
    missing_ = static_cast<std::uint8_t>(missing_ - take);
    bytes.remove_prefix(take);
    if (missing_ > 0) return;  // the chunk was too short; nothing to say yet
    prepend = {held_, held_size_};
    held_size_ = 0;
  }
  // TRICKY: Node only looks for an unfinished character in what is left
  // after the held one is finished. If nothing is left, the finished piece
  // is returned as it is, even a UTF-16 high surrogate whose low half is in
  // the next chunk: that pair becomes two U+FFFD, as in Node.
  const std::size_t hold = bytes.empty() ? 0 : bytes_to_hold(bytes);
  const std::string_view body = bytes.substr(0, bytes.size() - hold);
  if (enc_ == encoding::utf16le) {
    // One string in Node (prepend + body), so a pair may straddle the two.
    utf16_to_utf8 text;
    text.feed(prepend, out);
    text.feed(body, out);
    text.finish(out);
  } else {
    decode(prepend, out);
    decode(body, out);
  }
  // Only now: `prepend` pointed into held_.
  if (hold > 0) std::memcpy(held_, bytes.data() + body.size(), hold);
  held_size_ = static_cast<std::uint8_t>(hold);
}

void string_decoder::end(std::string& out) {
  std::size_t size = held_size_;
  if (enc_ == encoding::utf16le) size &= ~std::size_t{1};  // Node drops an odd byte
  decode({held_, size}, out);
  held_size_ = 0;
  missing_ = 0;
}

void string_decoder::end(std::string_view bytes, std::string& out) {
  write(bytes, out);
  end(out);
}

}  // namespace coronet::codec
