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

#include <coronet/codec/string_decoder.hpp>
#include <coronet/deferred_call.hpp>
#include <coronet/events/event_emitter.hpp>
#include <coronet/keep_alive.hpp>
#include <coronet/loop.hpp>
#include <coronet/net/address_info.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/lookup.hpp>
#include <coronet/net/socket_options.hpp>
#include <coronet/net/stream_layer.hpp>
#include <coronet/net/write_queue.hpp>
#include <coronet/notifier.hpp>
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

using socket_events = event_emitter<
    event<"close", void(bool)>, event<"connect", void()>, event<"ready", void()>, event<"data", void(std::string_view)>,
    event<"drain", void()>, event<"end", void()>, event<"finish", void()>, event<"error", void(const error_info&)>,
    event<"lookup", void(const error_info*, std::string_view, int, std::string_view)>, event<"timeout", void()>,
    // (ip, port, family 4 or 6[, error]): one TCP connection attempt.
    event<"connectionAttempt", void(std::string_view, int, int)>,
    event<"connectionAttemptFailed", void(std::string_view, int, int, const error_info&)>,
    event<"connectionAttemptTimeout", void(std::string_view, int, int)>>;

class server;

class block_list;
namespace detail {
class connect_race;
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
  requires std::is_convertible_v<const Path&, std::string_view> socket& connect(const Path& path,
                                                                                std::function<void()> on_connect = {}) {
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
  std::size_t writable_length() const noexcept { return writes_.size() + (layer_ ? layer_->held() : 0); }
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
    static const std::optional<std::vector<std::string>> none;
    return connect_ ? connect_->attempted_addresses : none;
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
  enum class state : std::uint8_t { idle, connecting, open, closed };

  socket& connect_path(std::string path, std::function<void()> on_connect);

  // Called by the server for an accepted connection.
  void adopt(stream_socket s, bool paused);
  void on_connected();
  // connect(), after its checks, as one coroutine (socket.cpp).
  task<void> connect_flow(std::shared_ptr<socket> self, connect_options o, unsigned generation, int attempt_delay);
  task<void> connect_to_address(std::string address, int port, const block_list* blocked);
  task<void> race_to(std::vector<lookup_address> targets, int port, const connect_options& o, unsigned generation,
                     int attempt_delay);
  task<void> connect_to(endpoint to, std::string address_text, int port);
  bool connect_abandoned(unsigned generation) const noexcept;
  void fail_connect(error_info e);
  void stop_connect_attempts() noexcept;  // destroy() mid-race closes every attempt
  void start_io();
  task<void> read_task(std::shared_ptr<socket> self);
  task<void> write_task(std::shared_ptr<socket> self);
  void deliver(std::string_view bytes);
  void on_read_end();
  void queue_write(std::string_view data, write_callback cb);
  void touch() noexcept;
  void worker_done() noexcept;
  void schedule_close() noexcept;
  static void emit_close(void* self) noexcept;
  void fail_writes();
  void flush_before_destroy() noexcept;
  void fail_connecting_writes();
  void watch_connecting_writes();
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
  bool read_ended_ = false;  // the peer's FIN arrived
  bool ending_ = false;      // end() called: FIN once the queue drains
  bool finished_ = false;    // our FIN went out
  bool need_drain_ = false;
  bool referenced_ = true;
  bool reset_on_close_ = false;
  bool destroy_after_finish_ = false;  // destroy_soon(): close once the FIN is out
  bool read_stopped_ = false;          // pause_on_connect: not even the FIN is read until resume()
  int workers_ = 0;                    // live reader/writer/connect coroutines
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;

  write_queue writes_;

  notifier read_wakeup_;
  notifier write_wakeup_;
  std::optional<string_decoder> decoder_{};
  std::string decoded_{};
  std::string encoded_{};  // write(text, encoding) scratch

  std::vector<std::function<void()>> end_callbacks_{};  // end(cb): run before `finish`
  // Node's first write while connecting adds a `close` listener that fails
  // the writes (ERR_SOCKET_CLOSED_BEFORE_CONNECTION) among the other close
  // listeners, in the order they were added; a connection removes it.
  listener_id connecting_writes_listener_{};
  std::size_t first_connecting_write_end_ = 0;  // where that first write's bytes end in the queue

  std::optional<deadline> idle_timer_{};
  std::optional<double> timeout_ms_{};
  std::chrono::nanoseconds idle_{0};                // timeout_ms_ as the timer takes it; 0: off
  std::optional<keep_alive_options> keep_alive_{};  // applied once connected
  std::optional<int> type_of_service_{};            // ditto
  unsigned connect_generation_ = 0;                 // a connect() posted for the next turn belongs to this one

  address_info remote_;
  address_info local_;
  bool is_unix_ = false;

  std::optional<error_info> error_{};
  deferred_call close_call_;  // emits `close` in the turn after the socket is done
  std::shared_ptr<socket> closing_self_{};
  keep_alive hold_;
  std::optional<std::stop_callback<std::function<void()>>> signal_watch_;
  std::function<void()> on_closed_internal_;  // the server's connection count

  // What only a socket that connects out needs, behind one pointer that the
  // first connect() (or an adopted bound_socket) fills: the connections a
  // server accepts, most sockets of a busy process, never pay for it.
  struct connect_state {
    // What connect() asked for that applies once the socket exists.
    std::string local_address;
    int local_port = 0;
    bool no_delay = false;
    int bound_fd = -1;                     // a bound_socket adopted through socket_options::handle
    detail::connect_race* race = nullptr;  // auto_select_family's attempts, while they run
    std::stop_source stop;                 // destroy(): every attempt of this connect() ends
    std::optional<std::vector<std::string>> attempted_addresses;
  };
  connect_state& connecting_state();  // allocates it on first use
  std::unique_ptr<connect_state> connect_{};
  std::unique_ptr<stream_layer> layer_{};
};

// net.connect / net.createConnection: a new socket, connecting.
std::shared_ptr<socket> connect(loop& l, connect_options options, std::function<void()> on_connect = {});
std::shared_ptr<socket> create_connection(loop& l, connect_options options, std::function<void()> on_connect = {});

}  // namespace coronet::net
