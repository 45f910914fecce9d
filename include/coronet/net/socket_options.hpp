// The options net::socket and net::connect take (socket_options,
// connect_options, keep_alive_options, onread_options), the Happy Eyeballs
// mode, and the process-wide autoSelectFamily defaults. Declarations only.
#pragma once

#include <coronet/net/lookup.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>

namespace coronet::net {

class block_list;
class bound_socket;

// The onread option: receive into the user's buffer instead of emitting
// `data`. `callback(n, buffer)` sees the bytes; returning false pauses.
struct onread_options {
  std::span<std::byte> buffer{};                    // reused for every read, or
  std::function<std::span<std::byte>()> buffer_fn;  // asked for one per read
  std::function<bool(std::size_t, std::span<std::byte>)> callback;
};

struct socket_options {
  int fd = -1;                     // adopt an open stream socket
  bound_socket* handle = nullptr;  // adopt a pre-bound socket: connect() uses its binding
  bool allow_half_open = false;    // keep writing after the peer ended
  bool readable = true;            // with fd: may read
  bool writable = true;            // with fd: may write
  std::stop_token signal{};        // a stop request destroys the socket (AbortError)
  std::optional<onread_options> onread{};
  std::size_t high_water_mark = 64 * 1024;  // Node 26's writable default
};

// socket.setKeepAlive({enable, initialDelay, interval, count}), in
// milliseconds (the kernel takes whole seconds, rounded down). A value of 0
// leaves that setting at the system's default.
struct keep_alive_options {
  bool enable = false;
  unsigned initial_delay = 0;  // TCP_KEEPIDLE
  unsigned interval = 1000;    // TCP_KEEPINTVL
  unsigned count = 10;         // TCP_KEEPCNT
};

// How auto_select_family treats an attempt whose delay has passed. race
// (RFC 8305, the default) starts the next attempt and lets the earlier one
// go on: the first to connect wins and the others are closed. abandon is
// Node's behaviour: the earlier attempt is closed (an ETIMEDOUT in the
// aggregate error) before the next one starts.
enum class eyeballs : std::uint8_t { race, abandon };

struct connect_options {
  // TCP: port (required) and host; IPC: path (set it and leave port empty).
  std::optional<int> port{};
  std::string host = "localhost";
  std::string path{};
  std::string local_address{};
  int local_port = 0;
  int family = 0;  // 0, 4 or 6
  int hints = 0;   // getaddrinfo flags
  lookup_function lookup{};
  bool no_delay = false;
  bool keep_alive = false;
  unsigned keep_alive_initial_delay = 0;  // milliseconds
  std::optional<unsigned> timeout{};      // set_timeout(ms) once the socket exists
  std::optional<int> type_of_service{};   // IP_TOS / IPV6_TCLASS once connected (0..255)
  const ::coronet::net::block_list* block_list = nullptr;
  // Happy Eyeballs: resolve every address and try them, families
  // interleaved (first family first), each attempt but the last given
  // auto_select_family_attempt_timeout ms before the next one starts.
  // Ignored for an IP literal, a family of 4 or 6, or a local_address.
  // Defaults: get_default_auto_select_family() and
  // get_default_auto_select_family_attempt_timeout(). A timeout under 10
  // becomes 10; under 1 throws ERR_OUT_OF_RANGE.
  std::optional<bool> auto_select_family{};
  std::optional<int> auto_select_family_attempt_timeout{};
  eyeballs happy_eyeballs = eyeballs::race;
};

// net.getDefaultAutoSelectFamily() and friends: process-wide defaults for
// the connect options above (true and 250 ms at start). The setter of the
// timeout throws ERR_OUT_OF_RANGE under 1 and stores 10 for 1..9.
bool get_default_auto_select_family() noexcept;
void set_default_auto_select_family(bool value) noexcept;
int get_default_auto_select_family_attempt_timeout() noexcept;
void set_default_auto_select_family_attempt_timeout(int ms);

}  // namespace coronet::net
