// string_encoder_differential: encodes a few thousand deterministic strings
// per encoding with coronet's encode() and with the installed Node's
// Buffer.from(text, encoding) (oracle.js), and fails on any byte that differs.
//
//   string_encoder_diff_driver <node> <oracle.js>
//
// Each string is built from pieces that know both their UTF-8 bytes and the
// code points Node sees for them. An invalid UTF-8 piece stands for one
// U+FFFD per byte (coronet's documented definition), so Node gets U+FFFDs
// where coronet gets the raw bytes.
#include <coronet/codec/string_encoder.hpp>

#include "../../oracle.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace net = coronet::net;
using namespace coronet::test;

namespace {

// A string as coronet gets it (UTF-8, perhaps invalid) and as Node gets it.
struct text {
  std::string utf8;
  std::vector<std::uint32_t> points;

  void add(std::uint32_t cp) {
    points.push_back(cp);
    append_utf8(cp, utf8);
  }
  void add(std::string_view ascii) {
    for (char c : ascii) add(static_cast<unsigned char>(c));
  }
};

struct generator {
  std::mt19937_64 rng{0xE4C0'DE42};

  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
  std::uint32_t in(std::uint32_t low, std::uint32_t high) {
    return low + static_cast<std::uint32_t>(below(high - low + 1));
  }
  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  // Any code point but a surrogate, often a four-byte one.
  std::uint32_t character() {
    switch (below(6)) {
      case 0:
        return in(0x20, 0x7E);
      case 1:
        return in(0x80, 0x7FF);
      case 2: {
        const std::uint32_t cp = in(0x800, 0xFFFF);
        return cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp;
      }
      case 3:
        return in(0x0, 0x1F);
      default:
        return in(0x10000, 0x10FFFF);
    }
  }

  // Bytes outside any well-formed sequence, each one U+FFFD for Node. The
  // caller follows them with a valid character, so no continuation byte
  // ever completes them.
  void invalid(text& t) {
    static const std::string_view pieces[] = {"\x80",
                                              "\xBF",
                                              "\xC0",
                                              "\xC1\x81",
                                              "\xC2",
                                              "\xE0\x80",
                                              "\xE0\xA0",
                                              "\xE0\x80\x80",
                                              "\xED\xA0\x80",
                                              "\xED\xBF\xBF",
                                              "\xEF\xBF",
                                              "\xF0",
                                              "\xF0\x80\x80",
                                              "\xF0\x90\x80",
                                              "\xF4\x90\x80\x80",
                                              "\xF4\x8F\xBF",
                                              "\xF5\x80\x80\x80",
                                              "\xF8\x88\x80\x80\x80",
                                              "\xFE",
                                              "\xFF",
                                              "\xE2\x82"};
    const std::string_view bytes = pick(pieces);
    t.utf8 += bytes;
    t.points.insert(t.points.end(), bytes.size(), 0xFFFD);
    t.add(in(0x20, 0x7E));
  }

  // Characters Node reads by their low byte as something meaningful: 'A',
  // '0', '=', '+', whitespace, and surrogate pairs whose halves read as '='
  // (D83D), '0'-'9' (D830-D839), '+', '/', 'A' and so on.
  std::uint32_t disguised() {
    static const std::uint32_t points[] = {0x141, 0x130,  0x13D,   0x12B,   0x12F,   0x12D,   0x15F,   0x120,   0x10A,
                                           0x161, 0xFF41, 0x1F600, 0x1C000, 0x1C3FF, 0x1C03D, 0x10041, 0x2B02F, 0xE061};
    // Clearing 0x800 moves a surrogate (D800-DFFF) to D000-D7FF.
    return below(3) == 0 ? in(0x100, 0x2FFFF) & ~0x800u : pick(points);
  }

  // Anything at all: for the encodings that take every code unit.
  text any(std::size_t max) {
    text t;
    for (std::size_t n = below(max); n > 0; --n) {
      if (below(10) == 0) {
        invalid(t);
      } else {
        t.add(character());
      }
    }
    return t;
  }

  // Mostly hex digits; now and then something that ends the decoding.
  text hex_text(std::size_t max) {
    static constexpr std::string_view digits = "0123456789abcdefABCDEF";
    text t;
    const std::size_t junk_odds = 1 + below(below(2) == 0 ? 200 : 20);
    for (std::size_t n = below(max); n > 0; --n) {
      if (below(junk_odds) != 0) {
        t.add(static_cast<unsigned char>(digits[below(digits.size())]));
      } else if (below(3) == 0) {
        invalid(t);
      } else {
        t.add(below(2) == 0 ? disguised() : character());
      }
    }
    return t;
  }

  // Base64 of random bytes in either alphabet, or random characters from
  // both, with whitespace, junk, stray and missing padding mixed in.
  text base64_text(std::size_t max) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static const std::string_view junk[] = {" ", "\n", "\r\n", "\t", "=", "==",  "*",
                                            ".", "!",  "\x7F", "\\", ":", "\x01"};
    text t;
    const bool url = below(2) == 0;
    const std::size_t junk_odds = 1 + below(below(2) == 0 ? 100 : 12);
    std::size_t n = below(max);
    for (std::size_t k = 0; k < n; ++k) {
      if (below(junk_odds) != 0) {
        if (below(16) == 0) {
          t.add(static_cast<unsigned char>("+/-_"[below(4)]));  // either alphabet's 62 and 63
        } else {
          const std::size_t v = below(64);
          t.add(v < 62 ? static_cast<unsigned char>(alphabet[v])
                       : static_cast<unsigned char>((url ? "-_" : "+/")[v - 62]));
        }
      } else {
        switch (below(4)) {
          case 0:
            invalid(t);
            break;
          case 1:
            t.add(disguised());
            break;
          default:
            t.add(pick(junk));
        }
      }
    }
    switch (below(5)) {  // the ending: none, right, too much, or noise
      case 0:
        t.add("=");
        break;
      case 1:
        t.add("==");
        break;
      case 2:
        t.add(below(2) == 0 ? "===" : " =");
        break;
      case 3:
        t.add(pick(junk));
        break;
      default:
        break;
    }
    return t;
  }

  text for_encoding(net::encoding enc, std::size_t max) {
    switch (enc) {
      case net::encoding::hex:
        return hex_text(max);
      case net::encoding::base64:
      case net::encoding::base64url:
        return base64_text(max);
      default:
        return any(max);
    }
  }
};

struct one_case {
  std::string line;      // for oracle.js
  std::string expected;  // coronet's answer, as hex
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <node> <oracle.js>\n", argv[0]);
    return 2;
  }
  const std::string node = argv[1];
  const std::string oracle = argv[2];
  if (!is_node26(node)) return 1;

  generator gen;
  std::vector<one_case> cases;
  const net::encoding encodings[] = {net::encoding::utf8,  net::encoding::utf16le, net::encoding::latin1,
                                     net::encoding::ascii, net::encoding::base64,  net::encoding::base64url,
                                     net::encoding::hex};
  for (const net::encoding enc : encodings) {
    // Mostly short strings; a few past 4 KiB, which Buffer.from sizes and
    // allocates by another path (C++ rather than JS) than short ones.
    for (int i = 0; i < 3000; ++i) {
      const text t = gen.for_encoding(enc, i < 2990 ? 48 : 12000);
      std::string line = std::string(net::encoding_name(enc)) + ' ';
      char buf[16];
      for (std::size_t k = 0; k < t.points.size(); ++k) {
        std::snprintf(buf, sizeof buf, k == 0 ? "%x" : ".%x", static_cast<unsigned>(t.points[k]));
        line += buf;
      }
      std::string bytes;
      net::encode(t.utf8, enc, bytes);
      cases.push_back({std::move(line), hex(bytes)});
    }
  }

  std::vector<std::string> asked;
  for (const auto& c : cases) asked.push_back(c.line);
  const auto answer = ask_oracle(node, oracle, asked);
  if (!answer) return 2;
  const std::vector<std::string>& lines = *answer;
  if (lines.size() != cases.size()) {
    std::fprintf(stderr, "oracle answered %zu lines for %zu cases\n", lines.size(), cases.size());
    return 1;
  }

  int failures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (lines[i] == cases[i].expected) continue;
    if (++failures <= 20) {
      std::fprintf(stderr, "case %zu: %.300s\n  node:    %.300s\n  coronet: %.300s\n", i, cases[i].line.c_str(),
                   lines[i].c_str(), cases[i].expected.c_str());
    }
  }
  const std::string version = oracle_says(node, oracle, "--version");
  std::printf("%zu cases against node %s: %d differ\n", cases.size(),
              version.empty() ? "?" : version.substr(0, version.find('\n')).c_str(), failures);
  return failures == 0 ? 0 : 1;
}
