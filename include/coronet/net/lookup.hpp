// Node's lookup option: a function that resolves a host for connect(), and
// the callback it answers through. Alone in its header so a custom resolver
// needs only this.
#pragma once

#include <coronet/net/error_info.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace coronet::net {

// One address a lookup found: Node's { address, family }, family 4 or 6.
struct lookup_address {
  std::string address{};
  int family = 0;
};

// How a lookup answers (Node's lookup callback). Call it once, on the loop
// thread, either with one address, `done(nullptr, "10.0.0.1", 4)`, or with
// every address, `done(nullptr, {{"::1", 6}, {"127.0.0.1", 4}})`, or with
// an error, `done(&err, {}, 0)`. all() is Node's `all: true` option: it is
// set when auto_select_family wants every address to race them; a lookup
// that answers with one address anyway is still correct.
class lookup_callback {
 public:
  using all_fn = std::function<void(const error_info*, std::vector<lookup_address>)>;

  lookup_callback() = default;
  lookup_callback(all_fn fn, bool all) : fn_(std::move(fn)), all_(all) {}
  // From a single-address callable (the form this type used to have).
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, lookup_callback> &&
           std::is_invocable_v<F&, const error_info*, std::string, int>)
      lookup_callback(F f)  // NOLINT: implicit on purpose, like std::function
      : fn_([f = std::move(f)](const error_info* err, std::vector<lookup_address> found) mutable {
          if (err || found.empty()) {
            f(err, std::string{}, 0);
          } else {
            f(nullptr, std::move(found.front().address), found.front().family);
          }
        }) {}

  void operator()(const error_info* err, std::string address, int family) const {
    std::vector<lookup_address> found;
    if (!err) found.push_back({std::move(address), family});
    fn_(err, std::move(found));
  }
  void operator()(const error_info* err, std::vector<lookup_address> addresses) const {
    fn_(err, std::move(addresses));
  }
  bool all() const noexcept { return all_; }
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

 private:
  all_fn fn_{};
  bool all_ = false;
};
using lookup_function = std::function<void(std::string_view host, int family, lookup_callback)>;

}  // namespace coronet::net
