// What the differential tests against Node share: hex text, UTF-8 encoding
// of code points, and asking a Node oracle script one line per case.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::test {

inline std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

inline void append_utf8(std::uint32_t cp, std::string& s) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Runs a shell command and returns what it printed.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The suite's oracle is Node 26 (scripts/node26.sh, found by meson). Says
// why on stderr and returns false when `node` is missing or another version:
// a test that asks Node then fails rather than quietly asking Node 20.
inline bool is_node26(const std::string& node) {
  if (node.empty()) {
    std::fprintf(stderr, "Node 26 is not available: scripts/node26.sh failed when meson was set up\n");
    return false;
  }
  std::string version = run("'" + node + "' --version 2>/dev/null");
  if (version.rfind("v26.", 0) != 0) {
    std::fprintf(stderr, "%s is not Node 26 (it says \"%s\")\n", node.c_str(),
                 version.substr(0, version.find('\n')).c_str());
    return false;
  }
  return true;
}

// `node oracle.js ARG`, first line of the answer ("--version", "--features").
inline std::string oracle_says(const std::string& node, const std::string& oracle, const std::string& arg) {
  return run("'" + node + "' '" + oracle + "' " + arg);
}

// Writes one case per line to a temporary file, runs `node oracle.js FILE`
// and returns its answer lines; nothing when the file cannot be made.
inline std::optional<std::vector<std::string>> ask_oracle(const std::string& node, const std::string& oracle,
                                                          const std::vector<std::string>& cases) {
  char path[] = "/tmp/coronet-oracle-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return std::nullopt;
  ::close(fd);
  {
    std::ofstream file(path, std::ios::binary);
    for (const auto& c : cases) file << c << '\n';
  }
  auto answer = lines(oracle_says(node, oracle, std::string("'") + path + "'"));
  ::unlink(path);
  return answer;
}

}  // namespace coronet::test
