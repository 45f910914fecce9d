// node:string_decoder: what each write() and end() returns. The expected
// strings are what Node v20's StringDecoder returns for the same chunks;
// test/codec/decoder_diff compares thousands of random streams as well.
#include <doctest/doctest.h>

#include <coronet/codec/string_decoder.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using namespace std::string_view_literals;
using coronet::codec::encoding;
using coronet::codec::parse_encoding;
using coronet::codec::string_decoder;

// socket.setEncoding() names them through net::, and user code may too.
static_assert(std::is_same_v<coronet::net::string_decoder, string_decoder>);
static_assert(std::is_same_v<coronet::net::encoding, encoding>);

namespace {

// Feeds `chunks` to one decoder and returns what each write() returned,
// then what end() returned.
std::vector<std::string> decode(encoding enc, std::initializer_list<std::string_view> chunks) {
  string_decoder decoder(enc);
  std::vector<std::string> results;
  for (std::string_view chunk : chunks) {
    decoder.write(chunk, results.emplace_back());
  }
  decoder.end(results.emplace_back());
  return results;
}

using strings = std::vector<std::string>;

constexpr std::string_view fffd = "\xEF\xBF\xBD";

std::string times(std::string_view s, int n) {
  std::string out;
  while (n-- > 0) out += s;
  return out;
}

}  // namespace

TEST_CASE("parse_encoding accepts Node's encoding names in any case") {
  CHECK(parse_encoding("utf8") == encoding::utf8);
  CHECK(parse_encoding("UTF-8") == encoding::utf8);
  CHECK(parse_encoding("uTf-8") == encoding::utf8);
  CHECK(parse_encoding("") == encoding::utf8);  // new StringDecoder('') is utf8
  CHECK(parse_encoding("ucs2") == encoding::utf16le);
  CHECK(parse_encoding("UCS-2") == encoding::utf16le);
  CHECK(parse_encoding("utf16le") == encoding::utf16le);
  CHECK(parse_encoding("UTF-16LE") == encoding::utf16le);
  CHECK(parse_encoding("latin1") == encoding::latin1);
  CHECK(parse_encoding("Binary") == encoding::latin1);
  CHECK(parse_encoding("ASCII") == encoding::ascii);
  CHECK(parse_encoding("base64") == encoding::base64);
  CHECK(parse_encoding("Base64URL") == encoding::base64url);
  CHECK(parse_encoding("HEX") == encoding::hex);
}

TEST_CASE("parse_encoding rejects the names Node rejects") {
  for (std::string_view name :
       {"utf16", "utf-16", "ucs", "utf_8", "latin-1", "buffer", "raw", " hex", "binary ", "utf32", "base-64"}) {
    CAPTURE(name);
    CHECK_FALSE(parse_encoding(name).has_value());
  }
}

TEST_CASE("a UTF-8 character split across chunks comes out whole in the chunk that completes it") {
  CHECK(decode(encoding::utf8, {"\xE2", "\x82", "\xAC"}) == strings{"", "", "\xE2\x82\xAC", ""});
  CHECK(decode(encoding::utf8, {"a\xF0\x9F", "\x98", "\x80!"}) == strings{"a", "", "\xF0\x9F\x98\x80!", ""});
}

TEST_CASE("a chunk that ends in a complete multi-byte UTF-8 character returns it at once") {
  // Nothing is held back when the last character is whole: Node returns it
  // from this write(), and the next chunk starts afresh.
  CHECK(decode(encoding::utf8, {"\xC3\xA9", "!"}) == strings{"\xC3\xA9", "!", ""});
  CHECK(decode(encoding::utf8, {"a\xE2\x82\xAC", "b"}) == strings{"a\xE2\x82\xAC", "b", ""});
  CHECK(decode(encoding::utf8, {"\xF0\x9F\x98\x80", "\xC3\xA9"}) == strings{"\xF0\x9F\x98\x80", "\xC3\xA9", ""});
}

TEST_CASE("invalid UTF-8 becomes one U+FFFD per maximal subpart, as in V8") {
  // E0 80: E0 cannot be followed by 80 (overlong), so two replacements;
  // F0 90 80 is a valid prefix cut short: one; ED A0 80 is an encoded
  // surrogate: three; C0 AF is overlong: two; F4 90 is past U+10FFFF.
  const std::string input =
      "\xE0\x80"
      "A\xF0\x90\x80"
      "A\xED\xA0\x80\xC0\xAF\xF4\x90\x80\x80\xE2\x82"
      "A\xFF";
  const std::string expected = times(fffd, 2) + "A" + std::string(fffd) + "A" + times(fffd, 3) + times(fffd, 2) +
                               times(fffd, 4) + std::string(fffd) + "A" + std::string(fffd);
  CHECK(decode(encoding::utf8, {input}) == strings{expected, ""});
}

TEST_CASE("a chunk that ends in an invalid UTF-8 prefix has it held back, as Node does") {
  // Node reads the length from the lead byte alone, so it keeps E0 80 for
  // the next chunk and only then finds it invalid.
  CHECK(decode(encoding::utf8, {"\xE0\x80", "A"}) == strings{"", times(fffd, 2) + "A", ""});
}

TEST_CASE("end turns an unfinished UTF-8 character into U+FFFD and resets the decoder") {
  string_decoder decoder(encoding::utf8);
  std::string out;
  decoder.write("A\xE2\x82", out);
  CHECK(out == "A");
  decoder.end(out);
  CHECK(out == "A" + std::string(fffd));
  out.clear();
  decoder.write("\xAC", out);  // no longer the end of a euro sign
  decoder.end(out);
  CHECK(out == fffd);
}

TEST_CASE("utf16le joins a surrogate pair split across chunks") {
  CHECK(decode(encoding::utf16le, {"\x3D\xD8", "\x00\xDE"sv}) == strings{"", "\xF0\x9F\x98\x80", ""});
  // After a held odd byte, too: the pair is held whole at the end of "A".
  CHECK(decode(encoding::utf16le, {"A", "\x00\x3D\xD8"sv, "\x00\xDE"sv}) == strings{"", "A", "\xF0\x9F\x98\x80", ""});
}

TEST_CASE("utf16le turns lone surrogates into U+FFFD") {
  CHECK(decode(encoding::utf16le, {"\x00\xDC"
                                   "A\x00"sv}) == strings{std::string(fffd) + "A", ""});
  CHECK(decode(encoding::utf16le, {"A\x00\x3D\xD8"sv}) == strings{"A", std::string(fffd)});
}

TEST_CASE("utf16le splits a pair into two U+FFFD where Node's buffering does") {
  // The first chunk's odd byte is held, so its high surrogate ends that
  // write's text alone.
  CHECK(decode(encoding::utf16le, {"\x3D\xD8\x00"sv, "\xDE"}) == strings{std::string(fffd), std::string(fffd), ""});
  // A held high surrogate finished by a chunk with nothing after it is
  // returned as it is, not held again; likewise one finished from a held
  // odd byte.
  CHECK(decode(encoding::utf16le, {"\x3D\xD8", "\x3D\xD8", "\x00\xDE"sv}) ==
        strings{"", times(fffd, 2), std::string(fffd), ""});
  CHECK(decode(encoding::utf16le, {"A", "\x00\x3D"sv, "\xD8\x00"sv, "\xDE"}) ==
        strings{"", "A", std::string(fffd), std::string(fffd), ""});
}

TEST_CASE("utf16le drops an odd byte left at end") {
  CHECK(decode(encoding::utf16le, {"A\x00"
                                   "B"sv}) == strings{"A", ""});
}

TEST_CASE("latin1 maps each byte to the code point of the same value") {
  CHECK(decode(encoding::latin1, {"caf\xE9", "\xFF"}) == strings{"caf\xC3\xA9", "\xC3\xBF", ""});
}

TEST_CASE("ascii clears the top bit of each byte, as Node does") {
  CHECK(decode(encoding::ascii, {"\xE9"
                                 "A\xFF"}) == strings{"iA\x7F", ""});
}

TEST_CASE("base64 emits whole 3-byte groups and pads the rest at end") {
  CHECK(decode(encoding::base64, {"\x01", "\x02\x03\x04", "\x05"}) == strings{"", "AQID", "", "BAU="});
  CHECK(decode(encoding::base64, {"\x01\x02\x03"}) == strings{"AQID", ""});
}

TEST_CASE("base64url uses - and _ and no padding") {
  CHECK(decode(encoding::base64url, {"\xFB", "\xFF"}) == strings{"", "", "-_8"});
}

TEST_CASE("hex writes two lowercase digits per byte") {
  CHECK(decode(encoding::hex, {"\x00\xAB"sv, "\xFF"}) == strings{"00ab", "ff", ""});
}

TEST_CASE("write appends to the caller's string") {
  string_decoder decoder(encoding::utf8);
  std::string out = "> ";
  decoder.write("a", out);
  decoder.write("b", out);
  CHECK(out == "> ab");
  CHECK(decoder.enc() == encoding::utf8);
}

TEST_CASE("end with bytes is a write followed by end") {
  string_decoder decoder(encoding::base64);
  std::string out;
  decoder.write("\x01", out);
  decoder.end("\x02\x03\x04\x05", out);
  CHECK(out == "AQIDBAU=");
}

TEST_CASE("an empty chunk changes nothing") {
  CHECK(decode(encoding::utf8, {"\xE2", "", "\x82\xAC"}) == strings{"", "", "\xE2\x82\xAC", ""});
  CHECK(decode(encoding::utf16le, {"", "A", "", "\x00"sv}) == strings{"", "", "", "A", ""});
}
