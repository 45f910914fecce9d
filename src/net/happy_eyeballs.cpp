// auto_select_family: the connect_race coordinator and the process-wide
// defaults (net.getDefaultAutoSelectFamily and friends).
#include "happy_eyeballs.hpp"

#include <coronet/error.hpp>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/spawn.hpp>
#include <coronet/staggered_any.hpp>
#include <coronet/timer.hpp>

#include "messages.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>

namespace coronet::net {

namespace {
std::atomic<bool> default_auto_select{true};
std::atomic<int> default_attempt_timeout{250};
}  // namespace

bool get_default_auto_select_family() noexcept { return default_auto_select.load(); }
void set_default_auto_select_family(bool value) noexcept { default_auto_select.store(value); }
int get_default_auto_select_family_attempt_timeout() noexcept { return default_attempt_timeout.load(); }

void set_default_auto_select_family_attempt_timeout(int ms) {
  // Node: validateInt32(value, 'value', 1), then at least 10.
  if (ms < 1) throw detail::out_of_range("value", ">= 1 && <= 2147483647", ms);
  default_attempt_timeout.store(std::max(ms, 10));
}

namespace detail {

std::vector<lookup_address> interleave_families(const std::vector<lookup_address>& found) {
  std::vector<lookup_address> groups[2];  // [0]: the first address's family
  int first_family = 0;
  for (const auto& a : found) {
    if ((a.family != 4 && a.family != 6) || is_ip(a.address) != a.family) continue;
    if (first_family == 0) first_family = a.family;
    auto& group = groups[a.family == first_family ? 0 : 1];
    bool seen =
        std::any_of(group.begin(), group.end(), [&](const lookup_address& g) { return g.address == a.address; });
    if (!seen) group.push_back(a);
  }
  std::vector<lookup_address> out;
  for (std::size_t i = 0; i < std::max(groups[0].size(), groups[1].size()); ++i) {
    if (i < groups[0].size()) out.push_back(groups[0][i]);
    if (i < groups[1].size()) out.push_back(groups[1][i]);
  }
  return out;
}

connect_race::connect_race(loop& l, std::vector<lookup_address> targets, race_settings settings, race_events events)
    : loop_(l),
      targets_(std::move(targets)),
      settings_(settings),
      events_(std::move(events)),
      state_(targets_.size(), state::waiting),
      running_(targets_.size(), nullptr),
      give_up_(targets_.size(), nullptr) {}

task<race_outcome> connect_race::run(std::stop_token stop) {
  stop_ = stop;
  using factory = std::function<task<std::optional<stream_socket>>(std::stop_token)>;
  std::vector<factory> attempts;
  attempts.reserve(targets_.size());
  for (std::size_t i = 0; i < targets_.size(); ++i)
    attempts.emplace_back([this, i](std::stop_token token) { return attempt(i, std::move(token)); });
  auto done = co_await staggered_any(loop_, settings_.delay, std::move(stop), std::move(attempts));
  if (done) co_return race_outcome{std::move(*done.winner->value)};
  co_return race_outcome{{}, aggregate_error()};
}

void connect_race::set_ref(bool referenced) noexcept {
  settings_.referenced = referenced;
  for (stream_socket* s : running_) {
    if (!s) continue;
    if (referenced) {
      s->ref();
    } else {
      s->unref();
    }
  }
}

// One attempt, as Node's internalConnect: connectionAttempt first, then the
// block list, then connect(2). Empty when it failed (or the race is over).
task<std::optional<stream_socket>> connect_race::attempt(std::size_t index, std::stop_token stop) {
  const lookup_address target = targets_[index];  // a copy: listeners run below
  const int port = settings_.port;
  events_.attempt(target);
  if (stop.stop_requested()) co_return std::nullopt;  // a listener destroyed the socket
  if (settings_.blocked && settings_.blocked->check(target.address, target.family == 6 ? "ipv6" : "ipv4"))
    co_return attempt_failed(index, error_info::node(make_error_code(errc::ERR_IP_BLOCKED),
                                                     "IP(" + target.address + ") is blocked by net.BlockList"));
  auto to = endpoint::ip(target.address, static_cast<std::uint16_t>(port));
  if (!to) co_return attempt_failed(index, error_info::system(to.ec, "connect", target.address, port));
  auto opened = stream_socket::open(loop_, to->family());
  if (!opened) co_return attempt_failed(index, error_info::system(opened.ec, "connect", target.address, port));
  if (const int local_port = settings_.local_port; local_port != 0) {
    // localPort without localAddress: the family's any address, as Node does.
    auto local = endpoint::any(to->family(), static_cast<std::uint16_t>(local_port));
    if (auto ec = opened->bind(local))
      co_return attempt_failed(index, error_info::system(ec, "bind", local.address(), local_port));
  }
  stream_socket s = std::move(opened.value);
  if (!settings_.referenced) s.unref();

  // The attempt ends when it connects or fails, when the race is over, or
  // when its delay abandons it (eyeballs::abandon, or the race's bound).
  std::stop_source give_up;
  std::stop_callback race_over(stop, [&give_up] { give_up.request_stop(); });
  state_[index] = state::pending;
  running_[index] = &s;
  give_up_[index] = &give_up;
  ++live_;
  // Every attempt but the last gets the attempt delay to itself; under race
  // the last one's delay bounds the whole race (give_up_if_stalled). Armed
  // before staggered_any's own timer for the next start, so at the same
  // instant connectionAttemptTimeout comes first, as in Node.
  std::optional<deadline> delay;
  if (index + 1 < targets_.size() || settings_.mode == eyeballs::race) {
    delay.emplace(loop_, [this, index, &give_up] { on_delay(index, give_up); });
    delay->expires_after(settings_.delay);
  }
  // connect(2) in the next turn, as a plain connect does (socket.cpp).
  co_await next_turn(loop_);
  const std::error_code ec = give_up.stop_requested() ? make_error_code(std::errc::operation_canceled)
                                                      : co_await s.connect(*to, give_up.get_token());
  delay.reset();
  running_[index] = nullptr;
  give_up_[index] = nullptr;
  // TRICKY: a late completion (after a winner, a stop, or an abandon) only
  // closes its descriptor, which `s` does when it goes out of scope.
  if (state_[index] == state::abandoned || stop.stop_requested()) co_return std::nullopt;
  --live_;
  if (!ec) {
    state_[index] = state::won;
    co_return std::move(s);
  }
  s.close();
  auto failed = attempt_failed(index, error_info::system(ec, "connect", target.address, port));
  if (!stop.stop_requested()) give_up_if_stalled();
  co_return failed;
}

std::optional<stream_socket> connect_race::attempt_failed(std::size_t index, error_info e) {
  state_[index] = state::failed;
  errors_.push_back(e);
  events_.failed(targets_[index], e);
  return std::nullopt;
}

void connect_race::on_delay(std::size_t index, std::stop_source& give_up) {
  if (stop_.stop_requested()) return;
  if (index + 1 == targets_.size()) {  // the last attempt's delay (race only)
    last_delay_passed_ = true;
    give_up_if_stalled();
    return;
  }
  const lookup_address target = targets_[index];
  events_.timed_out(target);
  if (stop_.stop_requested()) return;
  if (settings_.mode == eyeballs::abandon && state_[index] == state::pending) {
    // Node: the attempt is closed and counts as ETIMEDOUT.
    abandon(index);
    give_up.request_stop();
  }
}

void connect_race::abandon(std::size_t index) {
  state_[index] = state::abandoned;
  --live_;
  const lookup_address& target = targets_[index];
  errors_.push_back(error_info::system(errno_code(ETIMEDOUT), "connect", target.address, settings_.port));
}

// The race's bound: once the last attempt has had its delay and every
// other attempt has failed, the last one is given up (ETIMEDOUT) and the
// aggregate error follows, instead of waiting out the kernel's connect
// timeout on a black-holed address.
void connect_race::give_up_if_stalled() {
  const std::size_t last = targets_.size() - 1;
  if (!last_delay_passed_ || live_ != 1 || state_[last] != state::pending || !give_up_[last]) return;
  abandon(last);
  give_up_[last]->request_stop();
}

error_info connect_race::aggregate_error() {
  if (errors_.empty())
    return error_info::node(make_error_code(errc::ERR_SOCKET_CONNECTION_TIMEOUT), "Socket connection timeout");
  // Node's NodeAggregateError: the first error's code, no message of its own.
  error_info all;
  all.ec = errors_.front().ec;
  all.code = errors_.front().code;
  all.errors = std::move(errors_);
  all.name = "AggregateError";
  return all;
}

}  // namespace detail
}  // namespace coronet::net
