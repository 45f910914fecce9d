// auto_select_family: the connect_race coordinator and the process-wide
// defaults (net.getDefaultAutoSelectFamily and friends).
#include "happy_eyeballs.hpp"

#include <coronet/error.hpp>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/spawn.hpp>

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

connect_race::connect_race(socket& s, std::vector<lookup_address> targets, int port, const block_list* blocked,
                           std::chrono::milliseconds delay, eyeballs mode)
    : socket_(s), port_(port), blocked_(blocked), delay_(delay), mode_(mode), delay_timer_(s.get_loop(), [this] {
        on_delay();
      }) {
  attempts_.reserve(targets.size());
  for (auto& t : targets) attempts_.push_back({std::move(t)});
}

void connect_race::start() { start_next(); }

void connect_race::cancel() noexcept {
  done_ = true;
  delay_timer_.cancel();
  for (auto& a : attempts_) a.stop.request_stop();  // each closes its descriptor once the connect ends
}

void connect_race::set_ref(bool referenced) noexcept {
  for (auto& a : attempts_) {
    if (!a.running) continue;
    if (referenced) {
      a.running->ref();
    } else {
      a.running->unref();
    }
  }
}

void connect_race::start_next() {
  auto keep = shared_from_this();  // a listener may drop the socket's reference to us
  while (!done_ && next_ < attempts_.size()) {
    const std::size_t index = next_++;
    const lookup_address target = attempts_[index].target;  // a copy: listeners run below
    socket_.connect_->attempted_addresses->push_back(target.address + ':' + std::to_string(port_));
    socket_.emit<"connectionAttempt">(target.address, port_, target.family);
    if (done_ || socket_.destroyed_) return;

    if (blocked_ && blocked_->check(target.address, target.family == 6 ? "ipv6" : "ipv4")) {
      attempt_failed(index, error_info::node(make_error_code(errc::ERR_IP_BLOCKED),
                                             "IP(" + target.address + ") is blocked by net.BlockList"));
      continue;
    }
    auto to = endpoint::ip(target.address, static_cast<std::uint16_t>(port_));
    if (!to) {
      attempt_failed(index, error_info::system(to.ec, "connect", target.address, port_));
      continue;
    }
    auto opened = stream_socket::open(socket_.get_loop(), to->family());
    if (!opened) {
      attempt_failed(index, error_info::system(opened.ec, "connect", target.address, port_));
      continue;
    }
    if (const int local_port = socket_.connect_->local_port; local_port != 0) {
      // localPort without localAddress: bind each attempt to its family's any address, as Node does.
      auto local = endpoint::any(to->family(), static_cast<std::uint16_t>(local_port));
      if (auto ec = opened->bind(local)) {
        attempt_failed(index, error_info::system(ec, "bind", local.address(), local_port));
        continue;
      }
    }
    if (!socket_.referenced_) opened->unref();
    attempts_[index].st = state::pending;
    ++live_;
    ++socket_.workers_;
    spawn(socket_.get_loop(), run(socket_.shared_from_this(), keep, index, std::move(opened.value), *to));
    // Every attempt but the last gets the attempt delay to itself; under
    // race the last one's delay bounds the whole race (give_up_if_stalled).
    if (next_ < attempts_.size() || mode_ == eyeballs::race) delay_timer_.expires_after(delay_);
    return;
  }
  if (!done_ && live_ == 0) fail_all();
}

task<void> connect_race::run(std::shared_ptr<socket> owner, std::shared_ptr<connect_race> /*keeps us alive*/,
                             std::size_t index, stream_socket s, endpoint to) {
  std::stop_token stop = attempts_[index].stop.get_token();
  attempts_[index].running = &s;
  if (!socket_.referenced_) s.unref();  // unref() may have come between the spawn and now
  std::error_code ec = co_await s.connect(to, stop);
  attempts_[index].running = nullptr;
  on_done(index, ec, std::move(s));
  owner->worker_done();
}

void connect_race::on_delay() {
  if (done_ || next_ == 0) return;
  auto keep = shared_from_this();
  const std::size_t index = next_ - 1;
  if (next_ == attempts_.size()) {  // the last attempt's delay (race only)
    last_delay_passed_ = true;
    give_up_if_stalled();
    return;
  }
  const lookup_address target = attempts_[index].target;
  socket_.emit<"connectionAttemptTimeout">(target.address, port_, target.family);
  if (done_ || socket_.destroyed_) return;
  if (mode_ == eyeballs::abandon && attempts_[index].st == state::pending) {
    // Node: the attempt is closed and counts as ETIMEDOUT.
    attempts_[index].st = state::abandoned;
    --live_;
    errors_.push_back(error_info::system(errno_code(ETIMEDOUT), "connect", target.address, port_));
    attempts_[index].stop.request_stop();
  }
  start_next();
}

void connect_race::on_done(std::size_t index, std::error_code ec, stream_socket s) {
  // TRICKY: a late completion (after a winner, a cancel, or an abandon)
  // only closes its descriptor, which `s` does when it goes out of scope.
  if (done_ || attempts_[index].st != state::pending) return;
  --live_;
  if (!ec) {
    attempts_[index].st = state::waiting;
    win(std::move(s));
    return;
  }
  if (socket_.destroyed_) return;
  s.close();
  const bool latest = index + 1 == next_;
  const lookup_address target = attempts_[index].target;
  attempt_failed(index, error_info::system(ec, "connect", target.address, port_));
  if (done_ || socket_.destroyed_) return;
  if (latest) {
    // RFC 8305: a failure starts the next attempt without waiting out the delay.
    delay_timer_.cancel();
    start_next();
  } else if (next_ == attempts_.size() && live_ == 0) {
    fail_all();
  } else {
    give_up_if_stalled();
  }
}

// The race's bound: once the last attempt has had its delay and every
// other attempt has failed, the last one is given up (ETIMEDOUT) and the
// aggregate error follows, instead of waiting out the kernel's connect
// timeout on a black-holed address.
void connect_race::give_up_if_stalled() {
  const std::size_t last = attempts_.size() - 1;
  if (done_ || !last_delay_passed_ || live_ != 1 || attempts_[last].st != state::pending) return;
  attempts_[last].st = state::abandoned;
  --live_;
  const lookup_address target = attempts_[last].target;
  errors_.push_back(error_info::system(errno_code(ETIMEDOUT), "connect", target.address, port_));
  attempts_[last].stop.request_stop();
  fail_all();
}

void connect_race::attempt_failed(std::size_t index, error_info e) {
  auto& a = attempts_[index];
  a.st = state::failed;
  errors_.push_back(e);
  const lookup_address target = a.target;
  socket_.emit<"connectionAttemptFailed">(target.address, port_, target.family, e);
}

void connect_race::win(stream_socket s) {
  done_ = true;
  delay_timer_.cancel();
  for (auto& a : attempts_) a.stop.request_stop();  // the losers
  socket_.io_ = std::move(s);
  socket_.is_unix_ = false;
  socket_.on_connected();
}

void connect_race::fail_all() {
  done_ = true;
  delay_timer_.cancel();
  if (errors_.empty()) {
    socket_.fail_connect(
        error_info::node(make_error_code(errc::ERR_SOCKET_CONNECTION_TIMEOUT), "Socket connection timeout"));
    return;
  }
  // Node's NodeAggregateError: the first error's code, no message of its own.
  error_info all;
  all.ec = errors_.front().ec;
  all.code = errors_.front().code;
  all.errors = std::move(errors_);
  all.name = "AggregateError";
  socket_.fail_connect(std::move(all));
}

}  // namespace detail
}  // namespace coronet::net
