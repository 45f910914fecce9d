// libFuzzer target: Buffer.from(text, encoding) (string_encoder), with the
// fuzz input as the text, checked against the decoder:
//   - utf8 gives valid UTF-8, and valid UTF-8 text unchanged;
//   - utf16le decodes back to exactly what utf8 gives (both read an invalid
//     byte as U+FFFD), and latin1/ascii give one byte per UTF-16 unit;
//   - hex of ASCII text is the longest run of digit pairs it starts with;
//   - base64/base64url bytes, printed as base64 and read again, are the same.
#include <coronet/codec/string_decoder.hpp>
#include <coronet/codec/string_encoder.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

using coronet::net::encoding;
using fuzz::check;

namespace {

std::string encode(std::string_view text, encoding enc) {
  std::string out;
  coronet::net::encode(text, enc, out);
  return out;
}

std::string decode(std::string_view bytes, encoding enc) {
  coronet::net::string_decoder d(enc);
  std::string out;
  d.end(bytes, out);
  return out;
}

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string utf8 = encode(text, encoding::utf8);
  check(fuzz::is_valid_utf8(utf8), "utf8 output is valid UTF-8");
  if (fuzz::is_valid_utf8(text)) check(utf8 == text, "valid UTF-8 encodes to itself");

  const std::string utf16 = encode(text, encoding::utf16le);
  check(utf16.size() % 2 == 0, "utf16le gives whole code units");
  check(decode(utf16, encoding::utf16le) == utf8, "utf16le decodes to what utf8 gives");
  check(encode(text, encoding::latin1).size() == utf16.size() / 2, "latin1: one byte per unit");
  check(encode(text, encoding::ascii).size() == utf16.size() / 2, "ascii: one byte per unit");

  if (is_ascii(text)) {
    const std::string bytes = encode(text, encoding::hex);
    const std::string digits = decode(bytes, encoding::hex);
    const std::size_t n = digits.size();
    check(n <= text.size(), "hex: no more digits than the text has");
    for (std::size_t i = 0; i < n; ++i) check(digits[i] == lower(text[i]), "hex: the digits are the text's");
    check(n + 1 >= text.size() || !is_hex_digit(text[n]) || !is_hex_digit(text[n + 1]),
          "hex: stops only at a pair that is not two digits");
  }

  for (encoding enc : {encoding::base64, encoding::base64url}) {
    const std::string bytes = encode(text, enc);
    check(bytes.size() <= text.size(), "base64: fewer bytes than characters");
    check(encode(decode(bytes, enc), enc) == bytes, "base64: bytes survive print and read");
  }
  return 0;
}
