// net::socket: Node's net.Socket over coronet's coroutine core.
//
// A socket is always held by std::shared_ptr (socket::create, net::connect,
// or a server's `connection` event); while open it also holds itself, so a
// connection lives until its `close` event whether or not the user keeps a
// pointer. Events are Node's, checked at compile time:
//     s->on<"data">([](std::string_view chunk) { ... });
// Nothing here blocks: write() queues (and says false past the high-water
// mark, `drain` follows), reads arrive as `data` events, errors as one
// `error` event followed by `close(true)`.
#pragma once

#include <coronet/detail/wakeup.hpp>
#include <coronet/keep_alive.hpp>
#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/event_emitter.hpp>
#include <coronet/net/stream_layer.hpp>
#include <coronet/net/string_decoder.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace coronet::net {

class block_list;

// Node's { port, family, address }; family is "IPv4", "IPv6" (or "" for a
// Unix socket, whose path is in `address`).
struct address_info {
  std::string address{};
  std::string family{};
  int port = 0;
  friend bool operator==(const address_info&, const address_info&) = default;
};

// What server.address() (and bound_socket::address()) give: nothing,
// { port, family, address }, or the path of a Unix socket.
using server_address = std::variant<std::monostate, address_info, std::string>;

// The onread option: receive into the user's buffer instead of emitting
// `data`. `callback(n, buffer)` sees the bytes; returning false pauses.
struct onread_options {
  std::span<std::byte> buffer{};                       // reused for every read, or
  std::function<std::span<std::byte>()> buffer_fn;   // asked for one per read
  std::function<bool(std::size_t, std::span<std::byte>)> callback;
};

class bound_socket;

struct socket_options {
  int fd = -1;                   // adopt an open stream socket
  bound_socket* handle = nullptr;  // adopt a pre-bound socket: connect() uses its binding
  bool allow_half_open = false;  // keep writing after the peer ended
  bool readable = true;          // with fd: may read
  bool writable = true;          // with fd: may write
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
  std::optional<unsigned> timeout{};        // set_timeout(ms) once the socket exists
  std::optional<int> type_of_service{};     // IP_TOS / IPV6_TCLASS once connected (0..255)
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

using socket_events = event_emitter<
    event<"close", void(bool)>,
    event<"connect", void()>,
    event<"ready", void()>,
    event<"data", void(std::string_view)>,
    event<"drain", void()>,
    event<"end", void()>,
    event<"finish", void()>,
    event<"error", void(const error_info&)>,
    event<"lookup", void(const error_info*, std::string_view, int, std::string_view)>,
    event<"timeout", void()>,
    // (ip, port, family 4 or 6[, error]): one TCP connection attempt.
    event<"connectionAttempt", void(std::string_view, int, int)>,
    event<"connectionAttemptFailed", void(std::string_view, int, int, const error_info&)>,
    event<"connectionAttemptTimeout", void(std::string_view, int, int)>>;

using write_callback = std::function<void(const error_info*)>;

class server;

namespace detail {
struct connect_race;
}

class socket : public socket_events, public std::enable_shared_from_this<socket> {
 protected:
  struct private_tag {};

 public:
  socket(private_tag, loop& l, socket_options options);
  ~socket();

  static std::shared_ptr<socket> create(loop& l, socket_options options = {});

  // Puts a layer between the byte stream and the user (stream_layer.hpp);
  // before connecting, or before the first read of an accepted socket. The
  // socket owns it. (onread is not combined with a layer.)
  socket& set_stream_layer(std::unique_ptr<stream_layer> layer);
  stream_layer* get_stream_layer() const noexcept { return layer_.get(); }

  // Connecting. The callback is added as a `connect` listener (once).
  socket& connect(connect_options options, std::function<void()> on_connect = {});
  socket& connect(int port, std::string host = "localhost", std::function<void()> on_connect = {});
  template <class Path>
    requires std::is_convertible_v<const Path&, std::string_view>
  socket& connect(const Path& path, std::function<void()> on_connect = {}) {
    return connect_path(std::string(std::string_view(path)), std::move(on_connect));
  }

  // Writing. `cb` runs once the data is handed to the kernel, or with the
  // error. Returns false when the queue is at or past the high-water mark.
  bool write(std::string_view data, write_callback cb = {});
  // Node's write(string, encoding): `text` (UTF-8) becomes bytes the way
  // Buffer.from(text, encoding) makes them ("hex", "base64", "latin1", ...).
  // Throws ERR_UNKNOWN_ENCODING for a name Node does not know.
  bool write(std::string_view text, std::string_view encoding, write_callback cb = {});
  // `on_finish` runs once our FIN is out, before the `finish` listeners; on a
  // socket that has already finished it still runs (in the next turn).
  socket& end(std::function<void()> on_finish = {});
  socket& end(std::string_view data, std::function<void()> on_finish = {});
  socket& end(std::string_view text, std::string_view encoding, std::function<void()> on_finish = {});

  socket& destroy();
  socket& destroy(error_info error);
  socket& destroy_soon();
  // RST instead of FIN. Throws ERR_INVALID_HANDLE_TYPE on a Unix socket; on a
  // socket that never connected it destroys with ERR_SOCKET_CLOSED.
  socket& reset_and_destroy();

  socket& pause();
  socket& resume();
  bool is_paused() const noexcept { return paused_; }
  // utf8, hex, base64, latin1, ...: `data` then carries decoded text.
  // Throws ERR_UNKNOWN_ENCODING-style errors for names Node rejects.
  socket& set_encoding(std::string_view encoding);

  // Before connecting, the settings are kept and applied once connected.
  socket& set_keep_alive(bool enable = false, unsigned initial_delay_ms = 0, unsigned interval_ms = 1000,
                         unsigned count = 10);
  socket& set_keep_alive(keep_alive_options options);
  socket& set_no_delay(bool no_delay = true);
  // IP_TOS (IPv4) or IPV6_TCLASS (IPv6), 0..255, else ERR_OUT_OF_RANGE.
  // Before connecting the value is kept and applied once connected.
  socket& set_type_of_service(int tos);
  int get_type_of_service() const;
  // 0 turns it off; negative, NaN or infinite throws ERR_OUT_OF_RANGE.
  // Resetting on activity costs no system call.
  socket& set_timeout(double ms, std::function<void()> on_timeout = {});
  template <class Rep, class Period>
  socket& set_timeout(std::chrono::duration<Rep, Period> d, std::function<void()> on_timeout = {}) {
    return set_timeout(std::chrono::duration<double, std::milli>(d).count(), std::move(on_timeout));
  }
  // Node's socket.timeout: unset until set_timeout, then its value (0 too).
  std::optional<double> timeout() const noexcept { return timeout_ms_; }

  socket& ref();
  socket& unref();

  // Pipes everything read into `destination`, with backpressure; ends it
  // when this socket ends.
  std::shared_ptr<socket> pipe(std::shared_ptr<socket> destination);

  std::optional<address_info> address() const;
  std::string remote_address() const { return remote_.address; }
  int remote_port() const { return remote_.port; }
  std::string remote_family() const { return remote_.family; }
  std::string local_address() const { return local_.address; }
  int local_port() const { return local_.port; }
  std::string local_family() const { return local_.family; }

  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  // Node's bytesWritten: what the kernel took plus what is queued, so it
  // counts a write() at once.
  std::uint64_t bytes_written() const noexcept { return bytes_written_ + writable_length(); }
  std::size_t writable_length() const noexcept {
    return pending_.size() + in_flight_.size() + (layer_ ? layer_->held() : 0);
  }
  std::size_t writable_high_water_mark() const noexcept { return options_.high_water_mark; }
  bool connecting() const noexcept { return state_ == state::connecting; }
  bool pending() const noexcept { return state_ != state::open; }
  bool destroyed() const noexcept { return destroyed_; }
  bool readable() const noexcept { return readable_; }
  bool writable() const noexcept { return writable_; }
  bool allow_half_open() const noexcept { return options_.allow_half_open; }
  // "opening", "open", "readOnly", "writeOnly" or "closed".
  std::string_view ready_state() const noexcept;
  // Node's autoSelectFamilyAttemptedAddresses: "ip:port" of every attempt
  // made by auto_select_family; empty (no value) when it was not in effect.
  const std::optional<std::vector<std::string>>& auto_select_family_attempted_addresses() const noexcept {
    return attempted_addresses_;
  }

  loop& get_loop() const noexcept { return loop_; }

 protected:
  // For a subclass (tls::socket): construct as create() does, then finish
  // with created(), which create() also calls.
  template <class T, class... Args>
  static std::shared_ptr<T> create_as(loop& l, socket_options options, Args&&... args) {
    auto s = std::make_shared<T>(private_tag{}, l, std::move(options), std::forward<Args>(args)...);
    s->created();
    return s;
  }
  void created();

 private:
  friend class server;
  friend class stream_layer;
  friend struct detail::connect_race;
  enum class state : std::uint8_t { idle, connecting, open, closed };

  socket& connect_path(std::string path, std::function<void()> on_connect);

  // Called by the server for an accepted connection.
  void adopt(stream_socket s, bool paused);
  void on_connected();
  void start_connect(const endpoint& to, std::string address_text, int port);
  void fail_connect(error_info e);
  void stop_connect_attempts() noexcept;  // destroy() mid-race closes every attempt
  void start_io();
  task<void> connect_task(std::shared_ptr<socket> self, endpoint to, std::string address, int port);
  task<void> read_task(std::shared_ptr<socket> self);
  task<void> write_task(std::shared_ptr<socket> self);
  void deliver(std::string_view bytes);
  void on_read_end();
  void queue_write(std::string_view data, write_callback cb);
  void touch() noexcept;
  void worker_done() noexcept;
  void schedule_close() noexcept;
  static void emit_close(coronet::detail::io_op* op) noexcept;
  void fail_writes();
  void apply_socket_options();
  void hold_loop();
  void cache_addresses();
  void watch_signal();

  loop& loop_;
  socket_options options_;
  stream_socket io_;
  state state_ = state::idle;
  bool destroyed_ = false;
  bool readable_ = false;
  bool writable_ = false;
  bool paused_ = false;
  bool read_ended_ = false;   // the peer's FIN arrived
  bool ending_ = false;       // end() called: FIN once the queue drains
  bool finished_ = false;     // our FIN went out
  bool need_drain_ = false;
  bool referenced_ = true;
  bool reset_on_close_ = false;
  bool destroy_after_finish_ = false;  // destroy_soon(): close once the FIN is out
  bool destroyed_connecting_ = false;  // destroy() came before the connection was made
  int workers_ = 0;           // live reader/writer/connect coroutines
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;

  std::string pending_{};       // queued, not yet handed to the kernel
  std::string in_flight_{};     // being written now
  std::vector<std::pair<std::size_t, write_callback>> pending_callbacks_{};   // (end offset, cb)
  std::vector<std::pair<std::size_t, write_callback>> in_flight_callbacks_{};

  coronet::detail::wakeup read_wakeup_;
  coronet::detail::wakeup write_wakeup_;
  std::optional<string_decoder> decoder_{};
  std::string decoded_{};
  std::string encoded_{};  // write(text, encoding) scratch

  std::vector<std::function<void()>> end_callbacks_{};  // end(cb): run before `finish`

  std::optional<deadline> idle_timer_{};
  std::optional<double> timeout_ms_{};
  std::chrono::nanoseconds idle_{0};  // timeout_ms_ as the timer takes it; 0: off
  std::optional<keep_alive_options> keep_alive_{};  // applied once connected
  std::optional<int> type_of_service_{};             // ditto
  unsigned connect_generation_ = 0;  // a connect() posted for the next turn belongs to this one

  address_info remote_;
  address_info local_;
  bool is_unix_ = false;

  std::optional<error_info> error_{};
  coronet::detail::io_op close_op_;
  std::shared_ptr<socket> closing_self_{};
  keep_alive hold_;
  std::optional<std::stop_callback<std::function<void()>>> signal_watch_;
  std::function<void()> on_closed_internal_;  // the server's connection count

  // What connect() asked for that applies once the socket exists.
  struct connect_extras {
    std::string local_address;
    int local_port = 0;
    bool no_delay = false;
  } extras_{};
  int bound_fd_ = -1;  // a bound_socket adopted through socket_options::handle
  std::shared_ptr<detail::connect_race> race_{};  // auto_select_family's attempts
  std::optional<std::vector<std::string>> attempted_addresses_{};
  std::unique_ptr<stream_layer> layer_{};
};

// net.connect / net.createConnection: a new socket, connecting.
std::shared_ptr<socket> connect(loop& l, connect_options options, std::function<void()> on_connect = {});
std::shared_ptr<socket> create_connection(loop& l, connect_options options, std::function<void()> on_connect = {});

}  // namespace coronet::net
