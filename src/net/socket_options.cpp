// net::socket: the options a socket takes while it lives (timeout,
// keep-alive, no-delay, type of service). Those set before the connection
// exists are kept and applied once connected, as Node does.
#include <coronet/error.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/socket.hpp>

#include "messages.hpp"

#include <charconv>
#include <cmath>

namespace coronet::net {

namespace {
// Node's message number: -1, 1.5, NaN, Infinity.
std::string js_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

// ---- timeout ---------------------------------------------------------------

socket& socket::set_timeout(double ms, std::function<void()> on_timeout) {
  if (!(ms >= 0) || std::isinf(ms))  // negative, NaN, infinite
    throw error(errc::ERR_OUT_OF_RANGE,
                "The value of \"msecs\" is out of range. It must be a non-negative "
                "finite number. Received " +
                    js_number(ms));
  if (on_timeout) once<"timeout">([cb = std::move(on_timeout)] { cb(); });
  timeout_ms_ = ms;
  if (ms == 0) {
    idle_ = {};
    if (idle_timer_) idle_timer_->cancel();
    return *this;
  }
  // Node's timers: a fraction of a millisecond still waits one.
  idle_ = std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double, std::milli>(ms));
  if (!idle_timer_)
    idle_timer_.emplace(loop_, [this] {
      if (!destroyed_) emit<"timeout">();
    });
  idle_timer_->expires_after(idle_);
  return *this;
}

void socket::touch() noexcept {
  if (idle_.count() != 0) idle_timer_->expires_after(idle_);
}

// ---- TCP options -----------------------------------------------------------

socket& socket::set_keep_alive(bool enable, unsigned initial_delay_ms, unsigned interval_ms, unsigned count) {
  return set_keep_alive(keep_alive_options{enable, initial_delay_ms, interval_ms, count});
}

socket& socket::set_keep_alive(keep_alive_options o) {
  keep_alive_ = o;
  if (state_ == state::open) apply_socket_options();
  return *this;
}

socket& socket::set_no_delay(bool no_delay) {
  if (io_.is_open() && !is_unix_) io_.set_no_delay(no_delay);
  return *this;
}

socket& socket::set_type_of_service(int tos) {
  detail::check_type_of_service(tos);
  type_of_service_ = tos;
  if (state_ == state::open) apply_socket_options();
  return *this;
}

int socket::get_type_of_service() const {
  if (state_ != state::open || is_unix_) return type_of_service_.value_or(0);
  const auto tos = io_.type_of_service();
  return tos ? tos.value : type_of_service_.value_or(0);
}

// Applies what was asked for before (or since) the connection: keep-alive
// with its timings (seconds, rounded down; 0 keeps the system's value) and
// the type of service. Failures are ignored, as Node ignores them.
void socket::apply_socket_options() {
  if (!io_.is_open() || is_unix_) return;
  if (keep_alive_) {
    const auto& k = *keep_alive_;
    io_.set_keep_alive(k.enable, std::chrono::seconds(k.initial_delay / 1000));
    if (k.enable) io_.set_keep_alive_probes(std::chrono::seconds(k.interval / 1000), static_cast<int>(k.count));
  }
  if (type_of_service_) io_.set_type_of_service(*type_of_service_);
}

}  // namespace coronet::net
