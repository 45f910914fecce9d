// node_differential: generates a few thousand inputs deterministically, runs
// them through coronet and through the installed Node (oracle.js), and fails
// on the first differences, printing them.
//
//   node_diff_driver <node> <oracle.js>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/address/socket_address.hpp>
#include <coronet/net/errors.hpp>

#include "../../oracle.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace net = coronet::net;
using namespace coronet::test;

namespace {

struct generator {
  std::mt19937_64 rng{0xC0FFEE};

  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  // Concatenations of tokens that sit near the edges of the grammars.
  std::string address_like() {
    static const char* tokens[] = {"1",    "0",       "00",  "01", "255",   "256",  "999",  "12",      ".",
                                   ".",    ".",       ":",   ":",  "::",    "ffff", "FFFF", "abcd",    "12345",
                                   "fe80", "0x7f",    "0X1", "%",  "%eth0", "%1",   "g",    "1.2.3.4", "127.0.0.1",
                                   "::1",  "::ffff:", " ",   "-",  "a",     "[",    "]",    "/"};
    std::string s;
    for (std::size_t n = 1 + below(8); n > 0; --n) s += pick(tokens);
    return s;
  }

  std::string url_like() {
    static const char* hosts[] = {"1.2.3.4",
                                  "127.1",
                                  "0x7f.1",
                                  "0x7F.0.0.1",
                                  "2130706433",
                                  "0177.0.0.1",
                                  "0x",
                                  "1.2.3.256",
                                  "1.2.3.4.",
                                  "4294967295",
                                  "4294967296",
                                  "%31.2.3.4",
                                  "1%2e2%2e3%2e4",
                                  "[::1]",
                                  "[::ffff:1.2.3.4]",
                                  "[1:2:3:4:5:6:7:8]",
                                  "[::1",
                                  "[fe80::1%25eth0]",
                                  "localhost",
                                  "",
                                  "1.2.3.09",
                                  "08.1.2.3",
                                  "0.0.0.0",
                                  "[::]",
                                  "[0:0::0:1]",
                                  "1..2",
                                  "[1::2::3]",
                                  "[::1.2.3.4]",
                                  "[::ffff:1.2.3]",
                                  "99999999999",
                                  "0xffffffff"};
    static const char* ports[] = {"", ":", ":80", ":0080", ":8080", ":65535", ":65536", ":0", ":x", ":99999999999"};
    static const char* prefixes[] = {"", "", "", "//", "\\", "user@", "u:p@", "@"};
    static const char* suffixes[] = {"", "", "", "/", "/path", "?q", "#f", " ", "\t", "\\x"};
    std::string s = std::string(pick(prefixes)) + pick(hosts) + pick(ports) + pick(suffixes);
    if (below(10) == 0) s.insert(below(s.size() + 1), 1, "\t\n:./[]@%"[below(9)]);
    return s;
  }

  // Keys clustered so that rules and probes overlap, including the mapped block.
  unsigned __int128 key(bool& v4) {
    using u128 = unsigned __int128;
    static const u128 bases[] = {0, u128{0xffff} << 32 | 0x0a000000, u128{0xfffe} << 32, u128{0x20010db8} << 96,
                                 u128{0xfe80} << 112};
    v4 = below(3) == 0;
    if (v4) return (u128{0xffff} << 32) | (0x0a000000u + (rng() & 0x3ff));
    return bases[below(5)] + (rng() & 0x3ff);
  }

  std::string text(unsigned __int128 k, bool v4) {
    if (v4) {
      auto v = static_cast<std::uint32_t>(k);
      return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) +
             "." + std::to_string(v & 255);
    }
    std::string full;
    char buf[8];
    for (int i = 7; i >= 0; --i) {
      std::snprintf(buf, sizeof buf, below(4) == 0 ? "%X" : "%x", static_cast<unsigned>((k >> (16 * i)) & 0xffff));
      full += buf;
      if (i) full += ':';
    }
    if (below(2) == 0) return full;
    // Also the compressed and dotted forms Node prints.
    return net::socket_address({.address = full, .family = "ipv6"}).address();
  }

  std::string family(bool v4) {
    static const char* odd[] = {"IPv4", "IPV6", "Ipv6", "ipv5", "inet"};
    if (below(12) == 0) return pick(odd);
    bool right = below(15) != 0;
    return (v4 == right) ? "ipv4" : "ipv6";
  }
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct list_case {
  std::string json;                           // for oracle.js
  std::vector<std::vector<std::string>> ops;  // for us
  std::vector<std::tuple<std::string, std::string, bool>> checks;
};

std::string run_list(const list_case& c) {
  net::block_list list;
  std::string errors;
  for (const auto& op : c.ops) {
    std::string result = "ok";
    try {
      const auto& n = op[0];
      auto sa = [](const std::string& a, const std::string& f) {
        return net::socket_address({.address = a, .family = f});
      };
      if (n == "address") list.add_address(op[1], op[2]);
      if (n == "range") list.add_range(op[1], op[2], op[3]);
      if (n == "subnet") list.add_subnet(op[1], std::stoll(op[2]), op[3]);
      if (n == "range_sa") list.add_range(sa(op[1], op[2]), sa(op[3], op[4]));
      if (n == "subnet_sa") list.add_subnet(sa(op[1], op[2]), std::stoll(op[3]));
      if (n == "remove_address") list.remove_address(op[1], op[2]);
      if (n == "remove_range") list.remove_range(op[1], op[2], op[3]);
      if (n == "remove_subnet") list.remove_subnet(op[1], std::stoll(op[2]), op[3]);
      if (n == "cidr") list.add_cidr(op[1]);
    } catch (const net::error& e) {
      result = std::string(e.code_name());
    }
    errors += (errors.empty() ? "" : ",") + result;
  }
  std::string checks;
  for (const auto& [addr, family, as_object] : c.checks) {
    if (!as_object) {
      checks += list.check(addr, family) ? '1' : '0';
      continue;
    }
    try {
      checks += list.check(net::socket_address({.address = addr, .family = family})) ? '1' : '0';
    } catch (const net::error&) {
      checks += '-';
    }
  }
  std::string rules;
  for (const auto& r : list.rules()) rules += (rules.empty() ? "" : ";") + r;
  return "e=" + errors + "|c=" + checks + "|r=" + rules;
}

list_case make_list_case(generator& g, const std::map<std::string, bool>& features) {
  list_case c;
  std::vector<std::vector<std::string>> added;
  std::string ops_json;
  auto push = [&](std::vector<std::string> op, std::vector<bool> numeric) {
    std::string j = "[";
    for (std::size_t i = 0; i < op.size(); ++i)
      j += (i ? "," : "") + (i < numeric.size() && numeric[i] ? op[i] : json_string(op[i]));
    ops_json += (ops_json.empty() ? "" : ",") + j + "]";
    c.ops.push_back(std::move(op));
  };
  for (std::size_t n = 1 + g.below(12); n > 0; --n) {
    bool v4a, v4b;
    auto ka = g.key(v4a), kb = g.key(v4b);
    if (v4a == v4b && kb < ka) std::swap(ka, kb);
    if (g.below(8) == 0) std::swap(ka, kb);  // sometimes start > end
    std::string a = g.text(ka, v4a), b = g.text(kb, v4b), fa = g.family(v4a);
    bool sane_b = (v4a == v4b);
    std::string prefix = std::to_string(
        g.below(10) == 0 ? static_cast<long>(g.below(135)) - 2
                         : (v4a ? 16 + static_cast<long>(g.below(17)) : 100 + static_cast<long>(g.below(29))));
    switch (g.below(features.at("remove") && !added.empty() ? 7 : 5)) {
      case 0:
        push({"address", a, fa}, {});
        added.push_back(c.ops.back());
        break;
      case 1:
        push({"range", a, sane_b ? b : a, fa}, {});
        added.push_back(c.ops.back());
        break;
      case 2:
        push({"subnet", a, prefix, fa}, {false, false, true});
        added.push_back(c.ops.back());
        break;
      case 3:
        push({"range_sa", a, v4a ? "ipv4" : "ipv6", b, v4b ? "ipv4" : "ipv6"}, {});
        break;
      case 4:
        if (features.at("cidr"))
          push({"cidr", a + "/" + prefix}, {});
        else
          push({"subnet_sa", a, v4a ? "ipv4" : "ipv6", prefix}, {false, false, false, true});
        break;
      default: {
        auto victim = added[g.below(added.size())];
        victim[0] = "remove_" + victim[0];
        push(victim, {false, false, victim[0] == "remove_subnet"});
      }
    }
  }
  std::string checks_json;
  for (int i = 0; i < 30; ++i) {
    bool v4;
    auto k = g.key(v4);
    std::string addr = g.below(20) == 0 ? g.address_like() : g.text(k, v4);
    std::string family = g.below(10) == 0 ? (v4 ? "IPv4" : "IPV6") : (v4 ? "ipv4" : "ipv6");
    bool as_object = g.below(4) == 0;
    c.checks.emplace_back(addr, family, as_object);
    checks_json += std::string(i ? "," : "") + "[" + json_string(addr) + "," + json_string(family) + "," +
                   (as_object ? "true" : "false") + "]";
  }
  c.json = "{\"ops\":[" + ops_json + "],\"checks\":[" + checks_json + "]}";
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <node> <oracle.js>\n", argv[0]);
    return 2;
  }
  std::string node = argv[1], oracle = argv[2];
  if (!is_node26(node)) return 1;
  std::map<std::string, bool> features;
  std::string version = "?";
  for (const auto& line : lines(oracle_says(node, oracle, "--features"))) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    auto key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "version")
      version = value;
    else
      features[key] = value == "1";
  }
  if (features.empty()) {
    std::fprintf(stderr, "could not run %s\n", node.c_str());
    return 1;
  }
  std::printf("node %s\n", version.c_str());
  if (!features["parse"])
    std::printf(
        "note: this Node has no SocketAddress.parse; comparing with its definition (new URL('http://' + input))\n");
  for (const char* f : {"remove", "cidr", "json", "clear"})
    if (!features[f]) std::printf("note: this Node lacks BlockList %s support; those operations are not compared\n", f);

  generator g;
  std::vector<std::string> inputs, ours, descriptions;
  auto add = [&](std::string input, std::string answer, std::string description) {
    inputs.push_back(std::move(input));
    ours.push_back(std::move(answer));
    descriptions.push_back(std::move(description));
  };

  for (int i = 0; i < 3000; ++i) {
    std::string s = i % 3 == 2 ? g.url_like() : g.address_like();
    add("ip " + hex(s), std::to_string(net::is_ip(s)) + (net::is_ipv4(s) ? "1" : "0") + (net::is_ipv6(s) ? "1" : "0"),
        "isIP(" + s + ")");
  }
  for (int i = 0; i < 2000; ++i) {
    std::string s = g.address_like();
    static const char* families[] = {"ipv4", "ipv6", "IPv6", "IPV4", "ipv5", ""};
    std::string family = families[g.below(6)];
    long port = g.below(10) == 0 ? 65536 : static_cast<long>(g.below(65536));
    std::string answer;
    try {
      net::socket_address a({.address = s, .family = family, .port = port});
      answer = "ok " + a.address() + " " + std::string(a.family()) + " " + std::to_string(a.port());
    } catch (const net::error& e) {
      answer = "err " + std::string(e.code_name());
    }
    add("sa " + hex(s) + " " + hex(family) + " " + std::to_string(port), answer,
        "new SocketAddress({address: '" + s + "', family: '" + family + "'})");
  }
  for (int i = 0; i < 3000; ++i) {
    std::string s = i % 4 == 3 ? g.address_like() : g.url_like();
    auto a = net::socket_address::parse(s);
    add("parse " + hex(s),
        a ? "ok " + a->address() + " " + std::string(a->family()) + " " + std::to_string(a->port()) : "undefined",
        "SocketAddress.parse('" + s + "')");
  }
  for (int i = 0; i < 400; ++i) {
    auto c = make_list_case(g, features);
    add("list " + hex(c.json), run_list(c), "BlockList " + c.json);
  }

  auto answer = ask_oracle(node, oracle, inputs);
  if (!answer) return 1;
  auto& theirs = *answer;
  if (theirs.size() != inputs.size()) {
    std::printf("oracle answered %zu of %zu cases\n", theirs.size(), inputs.size());
    return 1;
  }
  std::size_t differences = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (theirs[i] == ours[i]) continue;
    if (++differences <= 8)
      std::printf("DIFFERENCE in %s\n  node:    %s\n  coronet: %s\n", descriptions[i].c_str(), theirs[i].c_str(),
                  ours[i].c_str());
  }
  // Say how much of the input space was exercised, so a run that compares
  // nothing but rejections cannot pass unnoticed.
  std::size_t accepted = 0, blocked = 0, checks = 0;
  for (const auto& answer : ours) {
    if (answer.rfind("ok ", 0) == 0) ++accepted;
    auto c = answer.find("|c=");
    for (std::size_t i = c == std::string::npos ? answer.size() : c + 3; i < answer.size() && answer[i] != '|'; ++i)
      ++checks, blocked += answer[i] == '1';
  }
  std::printf("%zu addresses accepted by constructor or parse; %zu of %zu block-list checks blocked\n", accepted,
              blocked, checks);
  std::printf("%zu inputs compared with node %s: %zu differences\n", inputs.size(), version.c_str(), differences);
  return differences == 0 ? 0 : 1;
}
