#include "coronet/net/address/block_list.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <list>
#include <map>
#include <tuple>

#include "../messages.hpp"
#include "coverage_index.hpp"
#include "ip_text.hpp"

namespace coronet::net {
namespace {

using detail::u128;

constexpr u128 mapped_last = detail::mapped_base | 0xffffffffu;

// One side of a rule: a key in the shared IPv6 space plus the family the
// address was given in, which decides how Node compares it (see apply()).
struct endpoint {
  u128 key = 0;
  bool v6 = false;
  auto operator<=>(const endpoint&) const = default;
};

enum class kind : std::uint8_t { address, range, subnet };

struct rule {
  kind type;
  endpoint first, last;  // last is unused for addresses and subnets
  int prefix = 0;
  auto operator<=>(const rule&) const = default;
};

// detail::key_of() as two 64-bit loads instead of a loop over 16 bytes: it
// runs on every IPv6 check.
u128 key_of(const detail::ip_bytes& b) noexcept {
  std::uint64_t hi, lo;
  std::memcpy(&hi, b.data(), 8);
  std::memcpy(&lo, b.data() + 8, 8);
  if constexpr (std::endian::native == std::endian::little) hi = __builtin_bswap64(hi), lo = __builtin_bswap64(lo);
  return u128{hi} << 64 | lo;
}

endpoint endpoint_of(const socket_address& a) noexcept { return {detail::key_of(a.bytes()), a.is_ipv6()}; }

std::string text_of(endpoint e) {
  return e.v6 ? detail::format_ipv6(detail::bytes_of(e.key)) : detail::format_ipv4(static_cast<std::uint32_t>(e.key));
}

std::string inspect(const socket_address& a) {
  return "SocketAddress { address: '" + a.address() + "', port: " + std::to_string(a.port()) + ", family: '" +
         std::string(a.family()) + "', flowlabel: " + std::to_string(a.flowlabel()) + " }";
}

socket_address to_address(address_arg arg, std::string_view family) {
  if (arg.address() != nullptr) return *arg.address();
  return socket_address({.address = arg.text(), .family = family});
}

// Node's validateInt32(prefix, 'prefix', 0, max), chosen by the family of
// the network address.
void check_prefix(const socket_address& network, std::int64_t prefix) {
  std::int64_t max = network.is_ipv6() ? 128 : 32;
  if (prefix < 0 || prefix > max) throw detail::out_of_range("prefix", ">= 0 && <= " + std::to_string(max), prefix);
}

struct cidr {
  std::string_view address;
  std::int64_t prefix;
  std::string_view family;
};

// Node's parseCIDR: the prefix is what follows the last '/', and must read
// back identically as a JavaScript number ("08", "+8" and "" are refused).
cidr parse_cidr(std::string_view text) {
  auto slash = text.rfind('/');
  if (slash == std::string_view::npos)
    throw detail::invalid_arg_value("cidr", detail::inspect_string(text),
                                    "must contain a prefix length (e.g. \"10.0.0.0/8\")");
  auto digits = text.substr(slash + 1);
  bool negative = !digits.empty() && digits[0] == '-';
  auto magnitude = digits.substr(negative ? 1 : 0);
  bool canonical = !magnitude.empty() && magnitude.size() <= 15 &&
                   magnitude.find_first_not_of("0123456789") == std::string_view::npos &&
                   (magnitude[0] != '0' || magnitude.size() == 1) && !(negative && magnitude == "0");
  std::int64_t prefix = 0;
  if (canonical) {
    std::from_chars(magnitude.data(), magnitude.data() + magnitude.size(), prefix);
    if (negative) prefix = -prefix;
  } else if (magnitude.size() > 15 && magnitude.size() <= 21 && magnitude[0] != '0' &&
             magnitude.find_first_not_of("0123456789") == std::string_view::npos) {
    // Beyond 2^53 a digit string survives the round trip only if it is the
    // shortest form of its double; either way the prefix is out of range.
    double value = 0;
    std::from_chars(magnitude.data(), magnitude.data() + magnitude.size(), value);
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    canonical = ec == std::errc{} && std::string_view(buf, static_cast<std::size_t>(end - buf)) == magnitude;
    prefix = negative ? INT64_MIN : INT64_MAX;
  }
  if (!canonical)
    throw detail::invalid_arg_value("cidr", detail::inspect_string(text), "prefix length must be a valid integer");
  auto address = text.substr(0, slash);
  return {address, prefix, address.find(':') != std::string_view::npos ? "ipv6" : "ipv4"};
}

}  // namespace

struct block_list::impl {
  std::list<rule> rules;  // newest first, as Node lists them
  std::multimap<rule, std::list<rule>::iterator> by_rule;
  // One index per kind of checked address, because Node compares a range
  // endpoint with an address only when their families are comparable:
  //   v4: IPv4 addresses; m6: IPv4-mapped IPv6 addresses (both keyed by the
  //   low 32 bits); n6: every other IPv6 address.
  detail::coverage_index<std::uint32_t> v4, m6;
  detail::coverage_index<u128> n6;

  void add_mapped(detail::coverage_index<std::uint32_t>& index, u128 lo, u128 hi, int delta) {
    lo = lo < detail::mapped_base ? detail::mapped_base : lo;
    hi = hi > mapped_last ? mapped_last : hi;
    if (lo <= hi) index.add(static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi), delta);
  }

  // An interval every address is compared against by key: address and subnet
  // rules (Node matches IPv4 against IPv6 subnets through the mapped form).
  void add_everywhere(u128 lo, u128 hi, int delta) {
    add_mapped(v4, lo, hi, delta);
    add_mapped(m6, lo, hi, delta);
    if (!(detail::is_mapped(lo) && detail::is_mapped(hi))) n6.add(lo, hi, delta);
  }

  void apply(const rule& r, int delta) {
    switch (r.type) {
      case kind::address:
        add_everywhere(r.first.key, r.first.key, delta);
        return;
      case kind::subnet: {
        int host_bits = (r.first.v6 ? 128 : 32) - r.prefix;
        u128 span = host_bits == 128 ? ~u128{0} : (u128{1} << host_bits) - 1;
        u128 lo = r.first.key & ~span;
        if (!r.first.v6) lo |= detail::mapped_base;  // the mask covers only the IPv4 part
        add_everywhere(lo, lo | span, delta);
        return;
      }
      case kind::range: {
        // Node compares an IPv4 address with an IPv6 endpoint only if the
        // endpoint is IPv4-mapped, and a non-mapped IPv6 address with an IPv4
        // endpoint never. So ::/ffff:: blocks ::ffff:1.2.3.4 but not 1.2.3.4.
        auto lo = r.first.key, hi = r.last.key;
        bool first_n6 = r.first.v6 && !detail::is_mapped(lo), last_n6 = r.last.v6 && !detail::is_mapped(hi);
        if (!first_n6 && !last_n6) add_mapped(v4, lo, hi, delta);
        add_mapped(m6, lo, hi, delta);
        if (r.first.v6 && r.last.v6 && !(detail::is_mapped(lo) && detail::is_mapped(hi))) n6.add(lo, hi, delta);
        return;
      }
    }
  }

  void add(const rule& r) {
    // Node 26 keeps one rule per address: the same address again (1.1.1.1
    // or ::ffff:1.1.1.1, they share a key) takes the old rule's place.
    if (r.type == kind::address) {
      for (bool v6 : {false, true}) {
        auto found = by_rule.find({kind::address, {r.first.key, v6}, {}, 0});
        if (found == by_rule.end()) continue;
        auto at = found->second;
        by_rule.erase(found);
        apply(*at, -1);
        *at = r;
        by_rule.emplace(r, at);
        apply(r, +1);
        return;
      }
    }
    rules.push_front(r);
    by_rule.emplace(r, rules.begin());
    apply(r, +1);
  }

  void remove(const rule& r) {
    auto [from, to] = by_rule.equal_range(r);
    for (auto it = from; it != to; ++it) {
      apply(r, -1);
      rules.erase(it->second);
    }
    by_rule.erase(from, to);
  }

  bool check(const detail::ip_bytes& bytes, bool v6) const noexcept {
    u128 key = key_of(bytes);
    if (!v6) return v4.covered(static_cast<std::uint32_t>(key));
    if (detail::is_mapped(key)) return m6.covered(static_cast<std::uint32_t>(key));
    return n6.covered(key);
  }
};

namespace {

rule address_rule(address_arg address, std::string_view family) {
  return {kind::address, endpoint_of(to_address(address, family)), {}, 0};
}

rule range_rule(address_arg start, address_arg end, std::string_view family) {
  auto first = to_address(start, family);
  auto last = to_address(end, family);
  endpoint a = endpoint_of(first), b = endpoint_of(last);
  // Node refuses start > end only when the two are comparable: same family,
  // or the IPv6 one is IPv4-mapped.
  bool comparable = a.v6 == b.v6 || detail::is_mapped(a.v6 ? a.key : b.key);
  if (comparable && a.key > b.key) throw detail::invalid_arg_value("start", inspect(first), "must come before end");
  return {kind::range, a, b, 0};
}

rule subnet_rule(address_arg network, std::int64_t prefix, std::string_view family) {
  auto net = to_address(network, family);
  check_prefix(net, prefix);
  return {kind::subnet, endpoint_of(net), {}, static_cast<int>(prefix)};
}

}  // namespace

block_list::block_list() : impl_(std::make_unique<impl>()) {}
block_list::block_list(const block_list& other) : impl_(std::make_unique<impl>()) { *this = other; }
block_list::block_list(block_list&&) noexcept = default;
block_list& block_list::operator=(block_list&&) noexcept = default;
block_list::~block_list() = default;

block_list& block_list::operator=(const block_list& other) {
  if (this == &other) return *this;
  auto fresh = std::make_unique<impl>();
  for (auto it = other.impl_->rules.rbegin(); it != other.impl_->rules.rend(); ++it) fresh->add(*it);
  impl_ = std::move(fresh);
  return *this;
}

void block_list::add_address(address_arg address, std::string_view family) {
  impl_->add(address_rule(address, family));
}

void block_list::add_addresses(std::span<const address_arg> addresses, std::string_view family) {
  std::vector<rule> parsed;
  parsed.reserve(addresses.size());
  for (const auto& a : addresses) parsed.push_back(address_rule(a, family));
  for (const auto& r : parsed) impl_->add(r);
}

void block_list::add_range(address_arg start, address_arg end, std::string_view family) {
  impl_->add(range_rule(start, end, family));
}

void block_list::add_subnet(address_arg network, std::int64_t prefix, std::string_view family) {
  impl_->add(subnet_rule(network, prefix, family));
}

void block_list::add_cidr(std::string_view text) {
  auto c = parse_cidr(text);
  add_subnet(c.address, c.prefix, c.family);
}

void block_list::add_cidrs(std::span<const std::string_view> cidrs) {
  std::vector<rule> parsed;
  parsed.reserve(cidrs.size());
  for (auto text : cidrs) {
    auto c = parse_cidr(text);
    parsed.push_back(subnet_rule(c.address, c.prefix, c.family));
  }
  for (const auto& r : parsed) impl_->add(r);
}

void block_list::remove_address(address_arg address, std::string_view family) {
  impl_->remove(address_rule(address, family));
}

void block_list::remove_range(address_arg start, address_arg end, std::string_view family) {
  auto a = endpoint_of(to_address(start, family)), b = endpoint_of(to_address(end, family));
  impl_->remove({kind::range, a, b, 0});
}

void block_list::remove_subnet(address_arg network, std::int64_t prefix, std::string_view family) {
  impl_->remove(subnet_rule(network, prefix, family));
}

void block_list::remove_cidr(std::string_view text) {
  auto c = parse_cidr(text);
  remove_subnet(c.address, c.prefix, c.family);
}

void block_list::clear() noexcept {
  impl_->rules.clear();
  impl_->by_rule.clear();
  impl_->v4.clear();
  impl_->m6.clear();
  impl_->n6.clear();
}

std::size_t block_list::size() const noexcept { return impl_->rules.size(); }

bool block_list::check(address_arg address, std::string_view family) const noexcept {
  if (const auto* sa = address.address()) return impl_->check(sa->bytes(), sa->is_ipv6());
  detail::ip_bytes bytes;
  if (detail::iequals(family, "ipv4")) {
    std::uint32_t v4;
    if (!detail::parse_ipv4(address.text(), v4)) return false;
    return impl_->v4.covered(v4);
  }
  std::string_view zone;
  if (!detail::parse_ipv6_zoned(address.text(), bytes, zone)) return false;
  return impl_->check(bytes, true);
}

std::vector<std::string> block_list::rules() const {
  std::vector<std::string> out;
  out.reserve(impl_->rules.size());
  // Node 26 lists addresses, then subnets, then ranges, each newest first.
  for (kind k : {kind::address, kind::subnet, kind::range})
    for (const auto& r : impl_->rules) {
      if (r.type != k) continue;
      std::string family = r.first.v6 ? "IPv6 " : "IPv4 ";
      switch (r.type) {
        case kind::address:
          out.push_back("Address: " + family + text_of(r.first));
          break;
        case kind::range:
          out.push_back("Range: " + family + text_of(r.first) + "-" + text_of(r.last));
          break;
        case kind::subnet:
          out.push_back("Subnet: " + family + text_of(r.first) + "/" + std::to_string(r.prefix));
          break;
      }
    }
  return out;
}

}  // namespace coronet::net
