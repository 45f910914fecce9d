// string_decoder_differential: decodes a few thousand deterministic byte
// streams, cut into random chunks, with coronet's string_decoder and with the
// installed Node's StringDecoder (oracle.js), and fails on any difference in
// what a write() or end() returned. Also compares encoding names.
//
//   string_decoder_diff_driver <node> <oracle.js>
#include <coronet/codec/string_decoder.hpp>

#include "../../oracle.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace net = coronet::net;
using namespace coronet::test;

namespace {

struct generator {
  std::mt19937_64 rng{0x5D5D'C0DE};

  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
  char byte() { return static_cast<char>(below(256)); }

  // Valid characters of every length, next to the ways UTF-8 goes wrong:
  // stray continuation bytes, leads that can never start a character,
  // overlong forms, encoded surrogates, code points past U+10FFFF, and
  // sequences cut short.
  std::string utf8_stream() {
    static const char* broken[] = {"\x80",
                                   "\xBF",
                                   "\xC0",
                                   "\xC1\x81",
                                   "\xC2",
                                   "\xE0\x80",
                                   "\xE0\xA0",
                                   "\xE0\x80\x80",
                                   "\xED\xA0\x80",
                                   "\xED\xBF\xBF",
                                   "\xED\x9F\xBF",
                                   "\xEF\xBF",
                                   "\xF0",
                                   "\xF0\x80\x80",
                                   "\xF0\x90",
                                   "\xF0\x90\x80",
                                   "\xF4\x90\x80\x80",
                                   "\xF4\x8F\xBF",
                                   "\xF5\x80\x80\x80",
                                   "\xF8\x88\x80\x80\x80",
                                   "\xFE",
                                   "\xFF",
                                   "\xE2\x82",
                                   "\xC3\xA9\xA9"};
    static const std::uint32_t ranges[][2] = {{0x20, 0x7F},     {0x80, 0x7FF},       {0x800, 0xD7FF},
                                              {0xE000, 0xFFFF}, {0x10000, 0x10FFFF}, {0xFFFD, 0xFFFF}};
    std::string s;
    for (std::size_t n = below(24); n > 0; --n) {
      switch (below(5)) {
        case 0:
          s += broken[below(std::size(broken))];
          break;
        case 1:
          s += byte();
          break;
        default: {
          const auto& r = ranges[below(std::size(ranges))];
          append_utf8(r[0] + static_cast<std::uint32_t>(below(r[1] - r[0] + 1)), s);
        }
      }
    }
    return s;
  }

  // Code units around the surrogate ranges: pairs, reversed pairs, lone
  // halves, and now and then an odd byte that shifts everything after it.
  std::string utf16_stream() {
    static const std::uint16_t units[] = {0x41,   0xE9,   0x20AC, 0xD800, 0xDBFF, 0xDC00, 0xDFFF,
                                          0xD83D, 0xDE00, 0xFFFD, 0xFEFF, 0xD7FF, 0xE000};
    std::string s;
    for (std::size_t n = below(24); n > 0; --n) {
      std::uint16_t u;
      switch (below(4)) {
        case 0:
          u = static_cast<std::uint16_t>(0xD800 + below(0x400));
          break;
        case 1:
          u = static_cast<std::uint16_t>(0xDC00 + below(0x400));
          break;
        case 2:
          u = static_cast<std::uint16_t>(below(0x10000));
          break;
        default:
          u = units[below(std::size(units))];
      }
      s += static_cast<char>(u & 0xFF);
      s += static_cast<char>(u >> 8);
      if (below(12) == 0) s += byte();
    }
    return s;
  }

  std::string random_bytes() {
    std::string s;
    for (std::size_t n = below(40); n > 0; --n) s += byte();
    return s;
  }

  // Cuts mostly into small pieces, so characters straddle chunks often;
  // now and then an empty chunk, and sometimes the last one goes to end().
  std::string chunks(std::string_view bytes) {
    std::string line;
    std::size_t at = 0;
    do {
      const std::size_t len = below(6) == 0 ? 0 : std::min(bytes.size() - at, 1 + below(below(3) == 0 ? 16 : 4));
      if (!line.empty() || at > 0) line += ',';
      at += len;
      if (at == bytes.size() && below(4) == 0) line += '!';
      line += hex(bytes.substr(at - len, len));
    } while (at < bytes.size());
    return line;
  }
};

struct one_case {
  std::string line;      // for oracle.js
  std::string expected;  // coronet's answer, in the oracle's format
};

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// What coronet answers for a "D" line's chunks, in the oracle's format.
std::string decode_chunks(net::encoding enc, std::string_view spec) {
  net::string_decoder decoder(enc);
  std::string result;
  std::string text;
  bool ended = false;
  for (std::size_t at = 0;;) {
    const std::size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string_view chunk = spec.substr(at, comma - at);
    text.clear();
    if (!chunk.empty() && chunk[0] == '!') {
      decoder.end(unhex(chunk.substr(1)), text);
      ended = true;
    } else {
      decoder.write(unhex(chunk), text);
    }
    if (!result.empty() || at > 0) result += ',';
    result += hex(text);
    if (comma == spec.size()) break;
    at = comma + 1;
  }
  if (!ended) {
    text.clear();
    decoder.end(text);
    result += ',' + hex(text);
  }
  return result;
}

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
  const struct {
    net::encoding enc;
    int count;
  } plan[] = {{net::encoding::utf8, 2000},     {net::encoding::utf16le, 1200}, {net::encoding::base64, 300},
              {net::encoding::base64url, 300}, {net::encoding::latin1, 150},   {net::encoding::ascii, 150},
              {net::encoding::hex, 150}};
  for (const auto& p : plan) {
    for (int i = 0; i < p.count; ++i) {
      const std::string bytes = p.enc == net::encoding::utf8      ? gen.utf8_stream()
                                : p.enc == net::encoding::utf16le ? gen.utf16_stream()
                                                                  : gen.random_bytes();
      const std::string spec = gen.chunks(bytes);
      cases.push_back({"D " + std::string(net::encoding_name(p.enc)) + " " + spec, decode_chunks(p.enc, spec)});
    }
  }

  // Encoding names: every alias in random case, plus near misses.
  static const char* names[] = {
      "utf8",       "utf-8",     "ucs2", "ucs-2",  "utf16le", "utf-16le", "latin1", "binary",  "ascii",
      "base64",     "base64url", "hex",  "utf16",  "utf-16",  "ucs",      "utf_8",  "latin-1", "base-64",
      "base64-url", "binary ",   " hex", "buffer", "raw",     "utf32",    "UTF8\t", ""};
  for (const char* name : names) {
    for (int i = 0; i < 4; ++i) {
      std::string n = name;
      for (char& c : n) {
        if (c >= 'a' && c <= 'z' && gen.below(2) == 0) c = static_cast<char>(c - 'a' + 'A');
      }
      const auto enc = net::parse_encoding(n);
      cases.push_back({"N " + hex(n), enc ? std::string(net::encoding_name(*enc)) : "throws"});
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
      std::fprintf(stderr, "case %zu: %s\n  node:    %s\n  coronet: %s\n", i, cases[i].line.c_str(), lines[i].c_str(),
                   cases[i].expected.c_str());
    }
  }
  const std::string version = oracle_says(node, oracle, "--version");
  std::printf("%zu cases against node %s: %d differ\n", cases.size(),
              version.empty() ? "?" : version.substr(0, version.find('\n')).c_str(), failures);
  return failures == 0 ? 0 : 1;
}
