// Buffer.from(text, encoding): the bytes each encoding gives. Every expected
// value is what Node v20's Buffer.from returns for the same string (checked
// with `node -e`), except where a test says the input is invalid UTF-8, which
// a Node string cannot hold. test/codec/encoder_diff compares thousands of
// random strings as well.
#include <doctest/doctest.h>

#include <coronet/codec/string_encoder.hpp>

#include <string>
#include <string_view>

using namespace std::string_view_literals;
using coronet::codec::encoding;

namespace {

std::string encode(std::string_view text, encoding enc) {
  std::string out;
  coronet::codec::encode(text, enc, out);
  return out;
}

// "6869" -> "hi", so expected bytes read like Node's buf.toString('hex').
std::string bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// U+00E9, U+20AC and U+1D11E: two, three and four bytes of UTF-8.
constexpr std::string_view mixed = "h\u00e9 \u20ac\U0001D11E";

}  // namespace

// socket.write(text, encoding) names it through net::, and user code may too.
TEST_CASE("net::encode is still the encoder") {
  std::string out;
  coronet::net::encode("6869", coronet::net::encoding::hex, out);
  CHECK(out == "hi");
}

TEST_CASE("encode appends to what the string already holds") {
  std::string out = "ab";
  coronet::codec::encode("6364", encoding::hex, out);
  CHECK(out == "abcd");
}

TEST_CASE("utf8 copies valid text unchanged") {
  CHECK(encode(mixed, encoding::utf8) == mixed);
  CHECK(encode("", encoding::utf8).empty());
}

TEST_CASE("utf8 writes each invalid byte as one U+FFFD") {
  // Not Node's behaviour (a Node string cannot hold these bytes) but
  // coronet's definition: one U+FFFD per byte outside a well-formed sequence.
  CHECK(encode("a\x80z", encoding::utf8) == "a\uFFFDz");
  CHECK(encode("\xE2\x82z", encoding::utf8) == "\uFFFD\uFFFDz");                    // cut short
  CHECK(encode("\xC0\xAF", encoding::utf8) == "\uFFFD\uFFFD");                      // overlong '/'
  CHECK(encode("\xED\xA0\x80", encoding::utf8) == "\uFFFD\uFFFD\uFFFD");            // a surrogate
  CHECK(encode("\xF4\x90\x80\x80", encoding::utf8) == "\uFFFD\uFFFD\uFFFD\uFFFD");  // past U+10FFFF
  CHECK(encode("\xFF\xC3\xA9", encoding::utf8) == "\uFFFD\u00e9");
  CHECK(encode("\xF0\x9D\x84", encoding::utf8) == "\uFFFD\uFFFD\uFFFD");  // truncated at the end
}

TEST_CASE("utf16le writes a character past U+FFFF as a surrogate pair") {
  CHECK(encode(mixed, encoding::utf16le) == bytes("6800e9002000ac2034d81edd"));
  CHECK(encode("\U0010FFFF", encoding::utf16le) == bytes("ffdbffdf"));
}

TEST_CASE("utf16le writes an invalid byte as U+FFFD") {
  CHECK(encode("a\xFE", encoding::utf16le) == bytes("6100fdff"));
}

TEST_CASE("latin1 keeps the low byte of each UTF-16 code unit") {
  CHECK(encode(mixed, encoding::latin1) == bytes("68e920ac341e"));
  CHECK(encode("\u0100\u01ff", encoding::latin1) == bytes("00ff"));
  CHECK(encode("\U0001F600", encoding::latin1) == bytes("3d00"));  // D83D DE00
  CHECK(encode("\xFF", encoding::latin1) == bytes("fd"));          // invalid: U+FFFD
}

TEST_CASE("ascii is latin1 and keeps the top bit") {
  CHECK(encode(mixed, encoding::ascii) == bytes("68e920ac341e"));
  CHECK(encode("\U0001F600", encoding::ascii) == bytes("3d00"));
}

TEST_CASE("hex reads pairs of digits in either case") {
  CHECK(encode("48656c6C6F", encoding::hex) == "Hello");
  CHECK(encode("aBcD", encoding::hex) == bytes("abcd"));
  CHECK(encode("", encoding::hex).empty());
}

TEST_CASE("hex drops an odd last digit") {
  CHECK(encode("48656c6c6f7", encoding::hex) == "Hello");
  CHECK(encode("1ff", encoding::hex) == bytes("1f"));
  CHECK(encode("7", encoding::hex).empty());
}

TEST_CASE("hex stops at the first pair that is not two digits") {
  CHECK(encode("4865zz6c", encoding::hex) == "He");
  CHECK(encode("48 65", encoding::hex) == "H");
  CHECK(encode("4G65", encoding::hex).empty());
  CHECK(encode("0g12", encoding::hex).empty());
}

TEST_CASE("hex judges each code unit by its low byte") {
  CHECK(encode("0\u0130", encoding::hex) == bytes("00"));      // U+0130 reads as '0'
  CHECK(encode("1\U0001C000", encoding::hex) == bytes("10"));  // D830 DC00: '0', then NUL
}

TEST_CASE("base64 decodes with or without padding") {
  CHECK(encode("SGVsbG8=", encoding::base64) == "Hello");
  CHECK(encode("SGVsbG8", encoding::base64) == "Hello");
  CHECK(encode("QQ", encoding::base64) == "A");
  CHECK(encode("QQ==", encoding::base64) == "A");
  CHECK(encode("QQ===", encoding::base64) == "A");
  CHECK(encode("QUJ=", encoding::base64) == "AB");
  CHECK(encode("QUJD====", encoding::base64) == "ABC");
  CHECK(encode("", encoding::base64).empty());
}

TEST_CASE("base64 drops a final group of one character") {
  CHECK(encode("Q", encoding::base64).empty());
  CHECK(encode("QUJDR", encoding::base64) == "ABC");
}

TEST_CASE("base64 ignores the leftover bits of a short group") { CHECK(encode("QR", encoding::base64) == "A"); }

TEST_CASE("base64 and base64url both accept both alphabets") {
  CHECK(encode("+/-_", encoding::base64) == bytes("fbffbf"));
  CHECK(encode("+/-_", encoding::base64url) == bytes("fbffbf"));
  CHECK(encode("SGVsbG8", encoding::base64url) == "Hello");
}

TEST_CASE("base64 skips whitespace and characters outside both alphabets") {
  CHECK(encode("SGVs bG8=\n", encoding::base64) == "Hello");
  CHECK(encode("Q\tU\nJ\rD", encoding::base64) == "ABC");
  CHECK(encode("S*G@V%s!", encoding::base64) == "Hel");
  CHECK(encode("SGVs\u00e9bG8", encoding::base64) == "Hello");
}

TEST_CASE("base64 stops at the first '='") {
  CHECK(encode("SG=VsbG8", encoding::base64) == "H");
  CHECK(encode("SGVsbA==SGVs", encoding::base64) == "Hell");
  CHECK(encode("=QUJD", encoding::base64).empty());
  CHECK(encode("Q=Q=", encoding::base64).empty());
}

TEST_CASE("base64 judges each code unit by its low byte") {
  CHECK(encode("SGVsbG8\u0141", encoding::base64) == bytes("48656c6c6f00"));  // U+0141 reads as 'A'
  CHECK(encode("SGVs\u013DbG8", encoding::base64) == "Hel");                  // U+013D reads as '='
  CHECK(encode("SGVs\U0001F600bG8", encoding::base64) == "Hel");              // D83D reads as '='
}
