// auto_select_family: Happy Eyeballs (RFC 8305, section 5) for net::socket.
//
// The addresses are tried in Node's order (families interleaved, the first
// answer's family first), as a staggered_any: an attempt that has neither
// connected nor failed when the attempt delay passes gets company. Under
// eyeballs::race the next attempt starts and both go on, the first to connect
// wins; under eyeballs::abandon (Node) the late attempt is closed first. A
// failure starts the next attempt at once. Under race the whole race is
// bounded: one attempt delay after the last attempt started, once every other
// has failed, the last is given up (ETIMEDOUT in the aggregate).
//
// The race knows nothing of net::socket: it reports each attempt through
// race_events (the socket turns them into Node's connectionAttempt* events)
// and hands back the winner's stream_socket or the error to fail with.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/lookup.hpp>
#include <coronet/net/socket_options.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/task.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stop_token>
#include <vector>

namespace coronet::net {
class block_list;
}

namespace coronet::net::detail {

// Node's lookupAndConnectMultiple ordering: keep IPv4/IPv6 addresses, each
// once, then alternate families starting with the first address's family.
std::vector<lookup_address> interleave_families(const std::vector<lookup_address>& found);

// What a race reports as it goes. Each may run user code that destroys the
// socket; the socket then requests a stop on the race's token.
struct race_events {
  std::function<void(const lookup_address&)> attempt;                    // connectionAttempt
  std::function<void(const lookup_address&, const error_info&)> failed;  // connectionAttemptFailed
  std::function<void(const lookup_address&)> timed_out;                  // connectionAttemptTimeout
};

struct race_settings {
  int port = 0;
  const block_list* blocked = nullptr;
  std::chrono::milliseconds delay{250};
  eyeballs mode = eyeballs::abandon;
  int local_port = 0;  // localPort without localAddress: each attempt binds its family's any address
  bool referenced = true;
};

struct race_outcome {
  stream_socket winner;               // connected, when `error` is empty
  std::optional<error_info> error{};  // every attempt failed: Node's AggregateError
};

class connect_race {
 public:
  connect_race(loop& l, std::vector<lookup_address> targets, race_settings settings, race_events events);
  connect_race(const connect_race&) = delete;
  connect_race& operator=(const connect_race&) = delete;

  // Runs the race to its end: every attempt it started has finished. A stop
  // request ends it early (the outcome is then an error nobody should see).
  task<race_outcome> run(std::stop_token stop);
  // socket.ref()/unref() mid-race: every attempt still connecting.
  void set_ref(bool referenced) noexcept;

 private:
  enum class state : unsigned char { waiting, pending, failed, abandoned, won };

  task<std::optional<stream_socket>> attempt(std::size_t index, std::stop_token stop);
  std::optional<stream_socket> attempt_failed(std::size_t index, error_info e);
  void on_delay(std::size_t index, std::stop_source& give_up);
  void abandon(std::size_t index);
  void give_up_if_stalled();
  error_info aggregate_error();

  loop& loop_;
  std::vector<lookup_address> targets_;
  race_settings settings_;
  race_events events_;
  std::stop_token stop_;  // run()'s: the race is over for good
  std::vector<state> state_;
  // Per attempt while it connects: its socket, and the source that abandons it.
  std::vector<stream_socket*> running_;
  std::vector<std::stop_source*> give_up_;
  int live_ = 0;                    // connecting, not abandoned
  bool last_delay_passed_ = false;  // race: the last attempt has had its delay
  std::vector<error_info> errors_;  // in the order they happened
};

}  // namespace coronet::net::detail
