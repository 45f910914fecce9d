// net::socket: lifecycle, reading, connecting. Writing is in socket_write.cpp.
#include <coronet/descriptor.hpp>
#include <coronet/error.hpp>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/bound_socket.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/spawn.hpp>

#include "address/family_name.hpp"
#include "happy_eyeballs.hpp"
#include "lookup.hpp"
#include "messages.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

namespace coronet::net {

namespace {
using detail::family_name;

// Node's createHandle(fd): only a TCP or Unix stream socket is adopted; the
// type name in the message is libuv's guess (uv_guess_handle).
void validate_fd(int fd) {
  if (fd < 0) throw detail::out_of_range("options.fd", ">= 0 && <= 2147483647", fd);
  const char* type = "UNKNOWN";
  switch (guess_descriptor(fd)) {
    case descriptor_kind::tcp:
    case descriptor_kind::unix_stream:
      return;
    case descriptor_kind::file:
      type = "FILE";
      break;
    case descriptor_kind::udp:
      type = "UDP";
      break;
    case descriptor_kind::unknown:
      break;
  }
  throw error(errc::ERR_INVALID_FD_TYPE, std::string("Unsupported fd type: ") + type);
}

// A NUL inside an address would be cut off by every C API below us.
error invalid_ip_address(std::string_view text) {
  std::string shown;
  for (char c : text) shown += c == '\0' ? std::string("\\u0000") : std::string(1, c);
  return error(errc::ERR_INVALID_IP_ADDRESS, "Invalid IP address: " + shown);
}

address_info info_of(const endpoint& e) {
  if (e.is_unix()) return {e.address(), "", 0};
  return {e.address(), family_name(e.family()), e.port()};
}
}  // namespace

socket::socket(private_tag, loop& l, socket_options options)
    : loop_(l), options_(std::move(options)), read_wakeup_(l), write_wakeup_(l), close_call_(l, &emit_close, this) {
  // Node's new Socket() is readable and writable, so its readyState is "open".
  readable_ = writable_ = true;
  set_unhandled_error_handler([this](const error_info& e) {
    loop_.report_exception(std::make_exception_ptr(std::system_error(e.ec, e.message)));
  });
}

socket::~socket() {
  if (connect_) close_descriptor(connect_->bound_fd);  // adopted but never connected (-1: nothing)
}

socket::connect_state& socket::connecting_state() {
  if (!connect_) connect_ = std::make_unique<connect_state>();
  return *connect_;
}

std::shared_ptr<socket> socket::create(loop& l, socket_options options) {
  if (options.fd != -1) validate_fd(options.fd);
  return create_as<socket>(l, std::move(options));
}

void socket::created() {
  // A loop destroyed while we are open closes us in its final drain
  // (loop.hpp): `close` is emitted, no `error`, and the tasks that hold us end.
  loop_.on_drain(shared_from_this(), [](void* p) noexcept {
    auto* self = static_cast<socket*>(p);
    if (!self->destroyed_ && (self->state_ == state::open || self->state_ == state::connecting)) self->destroy();
  });
  if (options_.handle) connecting_state().bound_fd = std::exchange(options_.handle, nullptr)->adopt();
  if (options_.fd >= 0) {
    stream_socket io(loop_, options_.fd);
    options_.fd = -1;
    adopt(std::move(io), false);
    readable_ = options_.readable;
    writable_ = options_.writable;
  }
  watch_signal();
}

void socket::watch_signal() {
  if (!options_.signal.stop_possible()) return;
  auto abort = [w = weak_from_this()] {
    if (auto self = w.lock()) {
      self->get_loop().post([self] {
        if (!self->destroyed_) self->destroy(error_info::abort());
      });
    }
  };
  if (options_.signal.stop_requested()) {
    abort();
    return;
  }
  signal_watch_.emplace(options_.signal, std::function<void()>(abort));
}

// ---- connecting ------------------------------------------------------------

socket& socket::connect(int port, std::string host, std::function<void()> on_connect) {
  return connect(connect_options{.port = port, .host = std::move(host)}, std::move(on_connect));
}

socket& socket::connect_path(std::string path, std::function<void()> on_connect) {
  return connect(connect_options{.path = std::move(path)}, std::move(on_connect));
}

socket& socket::connect(connect_options o, std::function<void()> on_connect) {
  if (state_ == state::connecting || state_ == state::open) return *this;  // one connection at a time
  // Argument errors throw before anything changes, as in Node.
  if (o.path.empty()) {
    if (!o.port)
      throw error(errc::ERR_MISSING_ARGS, "The \"options\" or \"port\" or \"path\" argument must be specified");
    if (*o.port < 0 || *o.port > 65535)
      throw error(errc::ERR_SOCKET_BAD_PORT,
                  "Port should be >= 0 and < 65536. Received " + std::to_string(*o.port) + ".");
    if (o.family != 0 && o.family != 4 && o.family != 6)
      throw error(errc::ERR_INVALID_ARG_VALUE,
                  "The property 'options.family' must be one of: 0, 4, 6. Received " + std::to_string(o.family));
    if (!o.local_address.empty() && !is_ip(o.local_address)) throw invalid_ip_address(o.local_address);
  }
  if (o.type_of_service) detail::check_type_of_service(*o.type_of_service);
  if (o.host.find('\0') != std::string::npos) throw invalid_ip_address(o.host);
  int attempt_delay = get_default_auto_select_family_attempt_timeout();
  if (o.auto_select_family_attempt_timeout) {
    // Node: validateInt32(v, 'options.autoSelectFamilyAttemptTimeout', 1), then at least 10.
    if (*o.auto_select_family_attempt_timeout < 1)
      throw detail::out_of_range("options.autoSelectFamilyAttemptTimeout", ">= 1 && <= 2147483647",
                                 *o.auto_select_family_attempt_timeout);
    attempt_delay = std::max(*o.auto_select_family_attempt_timeout, 10);
  }
  if (on_connect) once<"connect">([cb = std::move(on_connect)] { cb(); });
  if (o.timeout) set_timeout(*o.timeout);
  {
    auto& c = connecting_state();
    c.local_address = o.local_address;
    c.local_port = o.local_port;
    c.no_delay = o.no_delay;
    c.race = nullptr;
    c.stop = std::stop_source{};
    c.attempted_addresses.reset();
  }
  if (o.keep_alive) keep_alive_ = keep_alive_options{.enable = true, .initial_delay = o.keep_alive_initial_delay};
  if (o.type_of_service) type_of_service_ = o.type_of_service;
  // Reconnecting from a `close` listener that ran before the one failing the
  // writes of the last connect: they fail now, not with this connection's.
  if (connecting_writes_listener_) {
    off<"close">(connecting_writes_listener_);
    fail_connecting_writes();
  }
  destroyed_ = false;  // a closed socket may connect again
  error_.reset();
  read_ended_ = ending_ = finished_ = destroy_after_finish_ = false;
  bytes_read_ = bytes_written_ = 0;  // Node counts each connection afresh
  const unsigned generation = ++connect_generation_;
  state_ = state::connecting;
  readable_ = writable_ = true;
  hold_loop();

  spawn_now(loop_, connect_flow(shared_from_this(), std::move(o), generation, attempt_delay));
  return *this;
}

bool socket::connect_abandoned(unsigned generation) const noexcept {
  // destroy(), or destroy() and a new connect(), from a listener or meanwhile.
  return destroyed_ || state_ != state::connecting || generation != connect_generation_;
}

// Everything after the checks: look up, (race), connect, emit. Any step may
// run user code (a lookup function, a listener) that destroys the socket, so
// the flow asks connect_abandoned() after each.
task<void> socket::connect_flow(std::shared_ptr<socket> /*keeps us alive*/, connect_options o, unsigned generation,
                                int attempt_delay) {
  if (!o.path.empty()) {
    auto at = endpoint::unix_path(o.path);
    if (!at) {
      fail_connect(error_info::system(at.ec, "connect", o.path));
      co_return;
    }
    co_await connect_to(*at, o.path, -1);
    co_return;
  }
  const int port = *o.port;
  const std::string host = o.host.empty() ? "localhost" : o.host;
  if (is_ip(host)) {  // an IP literal: no lookup, no `lookup` event
    // As in Node, the attempt starts in the next turn, so listeners added
    // right after connect() returns see `connectionAttempt`.
    co_await next_turn(loop_);
    if (!connect_abandoned(generation)) co_await connect_to_address(host, port, o.block_list);
    co_return;
  }
  // Node: autoSelectFamily applies to a name, with family 0 and no localAddress.
  const bool race = o.auto_select_family.value_or(get_default_auto_select_family()) && o.family == 0 &&
                    o.local_address.empty() && connect_->bound_fd < 0;
  detail::lookup_answer answer = co_await detail::look_up(loop_, o.lookup, host, o.family, o.hints, race);
  if (connect_abandoned(generation)) co_return;
  auto& found = answer.addresses;
  // Node's ERR_INVALID_ADDRESS_FAMILY: "Invalid address family: 100 localhost:80".
  auto bad_family = [&](int family) {
    auto e =
        error_info::node(make_error_code(errc::ERR_INVALID_ADDRESS_FAMILY),
                         "Invalid address family: " + std::to_string(family) + ' ' + host + ':' + std::to_string(port));
    e.address = host;
    e.port = port;
    fail_connect(std::move(e));
  };
  auto invalid_ip = [&](std::string_view shown) {
    fail_connect(
        error_info::node(make_error_code(errc::ERR_INVALID_IP_ADDRESS), "Invalid IP address: " + std::string(shown)));
  };
  if (!answer.error && found.empty()) {
    emit<"lookup">(nullptr, std::string_view{}, 0, host);
    if (!connect_abandoned(generation)) invalid_ip("undefined");
    co_return;
  }
  if (answer.error || !race) {
    const lookup_address first = answer.error ? lookup_address{} : found.front();
    emit<"lookup">(answer.error ? &*answer.error : nullptr, first.address, first.family, host);
    if (connect_abandoned(generation)) co_return;
    if (answer.error) {
      fail_connect(std::move(*answer.error));
    } else if (!is_ip(first.address)) {
      invalid_ip(first.address);
    } else if (first.family != 4 && first.family != 6) {
      bad_family(first.family);
    } else {
      co_await connect_to_address(first.address, port, o.block_list);
    }
    co_return;
  }
  for (const auto& a : found) {  // Node emits `lookup` once per address
    emit<"lookup">(nullptr, a.address, a.family, host);
    if (connect_abandoned(generation)) co_return;
  }
  auto targets = detail::interleave_families(found);
  if (targets.empty()) {
    if (is_ip(found.front().address) && found.front().family != 4 && found.front().family != 6) {
      bad_family(found.front().family);
    } else {
      invalid_ip(found.front().address);
    }
    co_return;
  }
  connect_->attempted_addresses.emplace();
  if (targets.size() == 1) {  // Node: one address is a plain connect
    co_await connect_to_address(targets.front().address, port, o.block_list);
    co_return;
  }
  co_await race_to(std::move(targets), port, o, generation, attempt_delay);
}

// One address, as Node's internalConnect: connectionAttempt first, then the
// block list, then connect(2).
task<void> socket::connect_to_address(std::string address, int port, const block_list* blocked) {
  const unsigned generation = connect_generation_;
  auto at = endpoint::ip(address, static_cast<std::uint16_t>(port));
  if (!at) {
    fail_connect(error_info::system(errno_code(EINVAL), "connect", address, port));
    co_return;
  }
  const int family = at->family() == AF_INET6 ? 6 : 4;
  if (auto& tried = connect_->attempted_addresses) tried->push_back(address + ':' + std::to_string(port));
  emit<"connectionAttempt">(address, port, family);
  if (connect_abandoned(generation)) co_return;
  if (blocked && blocked->check(address, family == 6 ? "ipv6" : "ipv4")) {
    fail_connect(
        error_info::node(make_error_code(errc::ERR_IP_BLOCKED), "IP(" + address + ") is blocked by net.BlockList"));
    co_return;
  }
  co_await connect_to(*at, std::move(address), port);
}

// auto_select_family with several addresses: Happy Eyeballs
// (happy_eyeballs.hpp), reported through the connectionAttempt* events.
task<void> socket::race_to(std::vector<lookup_address> targets, int port, const connect_options& o, unsigned generation,
                           int attempt_delay) {
  detail::race_settings settings{.port = port,
                                 .blocked = o.block_list,
                                 .delay = std::chrono::milliseconds(attempt_delay),
                                 .mode = o.happy_eyeballs,
                                 .local_port = connect_->local_port,
                                 .referenced = referenced_};
  detail::race_events events{
      .attempt =
          [this, port](const lookup_address& a) {
            connect_->attempted_addresses->push_back(a.address + ':' + std::to_string(port));
            emit<"connectionAttempt">(a.address, port, a.family);
          },
      .failed = [this, port](const lookup_address& a,
                             const error_info& e) { emit<"connectionAttemptFailed">(a.address, port, a.family, e); },
      .timed_out = [this,
                    port](const lookup_address& a) { emit<"connectionAttemptTimeout">(a.address, port, a.family); },
  };
  detail::connect_race race(loop_, std::move(targets), settings, std::move(events));
  connect_->race = &race;
  ++workers_;  // destroy() mid-race: `close` waits until every attempt has ended
  detail::race_outcome outcome = co_await race.run(connect_->stop.get_token());
  if (connect_->race == &race) connect_->race = nullptr;
  if (!connect_abandoned(generation)) {
    if (outcome.error) {
      fail_connect(std::move(*outcome.error));
    } else {
      io_ = std::move(outcome.winner);
      is_unix_ = false;
      on_connected();
    }
  }
  worker_done();
}

void socket::stop_connect_attempts() noexcept {
  if (connect_) connect_->stop.request_stop();
}

// Opens (or takes the bound_socket's descriptor), binds when asked, and
// connects `io_` to `to`.
task<void> socket::connect_to(endpoint to, std::string address_text, int port) {
  const std::optional<int> shown_port = port < 0 ? std::nullopt : std::optional(port);
  connect_state& c = connecting_state();
  if (c.bound_fd >= 0) {
    io_ = stream_socket(loop_, std::exchange(c.bound_fd, -1));  // a bound_socket's binding
  } else {
    auto opened = stream_socket::open(loop_, to.family());
    if (!opened) {
      fail_connect(error_info::system(opened.ec, "connect", address_text, shown_port));
      co_return;
    }
    io_ = std::move(opened.value);
  }
  if (!c.local_address.empty() || c.local_port != 0) {
    // localAddress / localPort: bind(2) before connect(2), as Node does.
    auto local = c.local_address.empty()
                     ? result<endpoint>{{}, endpoint::any(to.family(), static_cast<std::uint16_t>(c.local_port))}
                     : endpoint::ip(c.local_address, static_cast<std::uint16_t>(c.local_port));
    std::error_code ec = local.ec;
    if (!ec) ec = io_.bind(*local);
    if (ec) {
      fail_connect(error_info::system(ec, "bind", c.local_address, c.local_port));
      co_return;
    }
  }
  is_unix_ = to.is_unix();
  if (!referenced_) io_.unref();
  ++workers_;
  // connect(2) in the next turn: a connect that succeeds at once (a Unix
  // socket) must not emit `connect` inside the caller's connect().
  const unsigned generation = connect_generation_;
  co_await next_turn(loop_);
  const bool gone = connect_abandoned(generation);  // destroy() meanwhile (and maybe a new connect())
  auto ec = gone ? make_error_code(std::errc::operation_canceled) : co_await io_.connect(to);
  if (!gone && !destroyed_) {
    if (ec) {
      auto e = error_info::system(ec, "connect", address_text, shown_port);
      if (port >= 0) emit<"connectionAttemptFailed">(address_text, port, to.family() == AF_INET6 ? 6 : 4, e);
      if (!destroyed_) fail_connect(std::move(e));
    } else {
      on_connected();
    }
  }
  worker_done();
}

void socket::fail_connect(error_info e) {
  state_ = state::closed;
  destroy(std::move(e));
}

void socket::on_connected() {
  state_ = state::open;
  if (connecting_writes_listener_) off<"close">(std::exchange(connecting_writes_listener_, {}));
  if (connect_ && connect_->no_delay) set_no_delay(true);
  apply_socket_options();
  cache_addresses();
  touch();
  start_io();
  emit<"connect">();
  emit<"ready">();
}

void socket::adopt(stream_socket s, bool paused) {
  io_ = std::move(s);
  is_unix_ = io_.local_endpoint() && io_.local_endpoint()->is_unix();
  state_ = state::open;
  readable_ = writable_ = true;
  paused_ = read_stopped_ = paused;
  hold_loop();
  cache_addresses();
  start_io();
}

void socket::cache_addresses() {
  // A Unix socket's peer has no address in Node (remoteAddress undefined).
  if (auto r = io_.remote_endpoint()) remote_ = r->is_unix() ? address_info{} : info_of(*r);
  if (auto l = io_.local_endpoint()) local_ = info_of(*l);
}

void socket::start_io() {
  auto self = shared_from_this();
  workers_ += 2;
  spawn(loop_, read_task(self));
  spawn(loop_, write_task(self));
  if (layer_) layer_->on_open();
}

void socket::hold_loop() {
  if (referenced_ && !hold_.holding()) hold_ = keep_alive(loop_);
}

// ---- reading ---------------------------------------------------------------

task<void> socket::read_task(std::shared_ptr<socket> /*keeps us alive*/) {
  while (!destroyed_ && !read_ended_) {
    // A paused socket goes on reading, as Node's does (its FIN then brings
    // `end` while paused, if nothing waits to be delivered), holding at most
    // one chunk; pause_on_connect and onread stop reading instead.
    const bool layer_reads = layer_ && layer_->reads_while_paused();
    if (!readable_ || (paused_ && !layer_reads && (read_stopped_ || options_.onread))) {
      co_await read_wakeup_;
      continue;
    }
    if (layer_ && layer_->has_pending()) {  // what the layer kept when we paused
      // Paused with bytes still in the layer: read nothing more (a FIN now
      // would bring `end` before them) until resume() wakes us.
      if (paused_) {
        co_await read_wakeup_;
      } else {
        layer_->on_resume();
      }
      continue;
    }
    if (options_.onread) {
      auto& o = *options_.onread;
      std::span<std::byte> buf = o.buffer_fn ? o.buffer_fn() : o.buffer;
      auto [ec, n] = co_await io_.read_some(buf);
      if (destroyed_) break;
      if (ec) {
        destroy(error_info::system(ec, "read"));
        break;
      }
      if (n == 0) {
        on_read_end();
        break;
      }
      bytes_read_ += n;
      touch();
      if (o.callback && !o.callback(n, buf.first(n))) pause();
      continue;
    }
    auto [ec, chunk] = co_await io_.receive();
    if (destroyed_) break;
    if (ec) {
      destroy(error_info::system(ec, "read"));
      break;
    }
    if (chunk.empty()) {
      on_read_end();
      break;
    }
    bytes_read_ += chunk.size();  // Node counts what the handle read, delivered or not
    touch();
    // Paused: hold the bytes until resumed (a handshake reads on).
    while (paused_ && !destroyed_ && !(layer_ && layer_->reads_while_paused())) co_await read_wakeup_;
    if (destroyed_) break;
    const std::string_view bytes{reinterpret_cast<const char*>(chunk.data()), chunk.size()};
    if (layer_) {
      layer_->on_receive(bytes);
    } else {
      deliver(bytes);
    }
  }
  worker_done();
}

void socket::deliver(std::string_view bytes) {
  if (!decoder_) {
    emit<"data">(bytes);
    return;
  }
  decoded_.clear();
  decoder_->write(bytes, decoded_);
  if (!decoded_.empty()) emit<"data">(std::string_view(decoded_));
}

void socket::on_read_end() {
  if (layer_) {
    layer_->on_read_end();
    if (destroyed_) return;  // the layer failed (a handshake cut short)
  }
  read_ended_ = true;
  readable_ = false;
  if (decoder_) {
    decoded_.clear();
    decoder_->end(decoded_);
    if (!decoded_.empty()) emit<"data">(std::string_view(decoded_));
  }
  emit<"end">();
  if (destroyed_) return;
  if (finished_ || (!writable_ && !ending_)) {
    destroy();  // both directions are done
  } else if (!options_.allow_half_open) {
    end();  // Node: end our side too; close follows the FIN
  }
}

socket& socket::pause() {
  paused_ = true;
  return *this;
}

socket& socket::resume() {
  paused_ = read_stopped_ = false;
  read_wakeup_.notify();
  return *this;
}

socket& socket::set_encoding(std::string_view name) {
  auto enc = parse_encoding(name);
  if (!enc) throw error(errc::ERR_UNKNOWN_ENCODING, "Unknown encoding: " + std::string(name));
  decoder_.emplace(*enc);
  return *this;
}

// ---- ref / unref (the socket options are in socket_options.cpp) -----------

socket& socket::ref() {
  referenced_ = true;
  io_.ref();
  if (connect_ && connect_->race) connect_->race->set_ref(true);
  if (state_ == state::connecting || state_ == state::open) hold_loop();
  return *this;
}

socket& socket::unref() {
  referenced_ = false;
  io_.unref();
  if (connect_ && connect_->race) connect_->race->set_ref(false);  // the attempts still connecting
  hold_.reset();
  return *this;
}

std::optional<address_info> socket::address() const {
  if (state_ != state::open && state_ != state::connecting) return std::nullopt;
  return local_;
}

std::string_view socket::ready_state() const noexcept {
  if (state_ == state::connecting) return "opening";
  if (readable_ && writable_) return "open";
  if (readable_) return "readOnly";
  if (writable_) return "writeOnly";
  return "closed";
}

// ---- ending ----------------------------------------------------------------

socket& socket::destroy() {
  if (destroyed_) return *this;
  destroyed_ = true;
  readable_ = writable_ = false;
  if (state_ == state::connecting) state_ = state::closed;
  stop_connect_attempts();  // auto_select_family: close every attempt
  if (idle_timer_) idle_timer_->cancel();
  if (reset_on_close_) {
    io_.reset();
  } else {
    flush_before_destroy();
    io_.close();  // pending operations end with ECANCELED
  }
  read_wakeup_.notify();
  write_wakeup_.notify();
  writes_.drop_pending();  // never sent; the callbacks fail at `close` (fail_writes)
  // Node's _destroy drops the server's count at once, so a closing server
  // emits its `close` (next turn) before this socket's `close`.
  if (auto closed = std::exchange(on_closed_internal_, {})) closed();
  if (workers_ == 0) schedule_close();
  return *this;
}

socket& socket::destroy(error_info e) {
  if (destroyed_) return *this;
  error_ = std::move(e);
  return destroy();
}

socket& socket::destroy_soon() {
  destroy_after_finish_ = true;  // the writer destroys us once the FIN is out
  if (!ending_ && writable_) {
    end();
  } else if (!ending_ || finished_) {
    destroy();  // nothing left to flush
  }
  return *this;
}

socket& socket::reset_and_destroy() {
  if (is_unix_) throw error(errc::ERR_INVALID_HANDLE_TYPE, "This handle type cannot be sent");
  // Node: with no handle (never connected) there is nothing to reset.
  if (state_ == state::idle || (state_ == state::closed && !io_.is_open()))
    return destroy(error_info::node(make_error_code(errc::ERR_SOCKET_CLOSED), "Socket is closed"));
  auto reset = [this] {
    reset_on_close_ = true;
    destroy();
  };
  if (state_ == state::connecting) {
    once<"connect">(reset);  // Node: resets once connected (`connect` and `ready` are still emitted)
  } else {
    reset();
  }
  return *this;
}

void socket::worker_done() noexcept {
  if (--workers_ == 0 && destroyed_) schedule_close();
}

void socket::schedule_close() noexcept {
  if (closing_self_) return;
  // Keep ourselves alive until `close` has been emitted in the next turn.
  closing_self_ = shared_from_this();
  close_call_.schedule();
}

void socket::emit_close(void* arg) noexcept {
  auto* self = static_cast<socket*>(arg);
  auto keep = std::move(self->closing_self_);
  self->state_ = state::closed;
  self->hold_.reset();
  self->signal_watch_.reset();
  try {
    const bool had_error = self->error_.has_value();
    // Node: queued writes with none in flight fail before `error`; behind a
    // write in flight, after it; writes made while connecting, among the
    // `close` listeners (fail_connecting_writes).
    const bool writing = self->writes_.batch_cut();  // a batch the kernel did not finish
    const bool by_close_listener = static_cast<bool>(self->connecting_writes_listener_);
    if (!by_close_listener && !writing) self->fail_writes();
    if (had_error) self->emit<"error">(*self->error_);
    if (!by_close_listener && writing) self->fail_writes();
    self->emit<"close">(had_error);
    if (self->state_ == state::closed && self->connecting_writes_listener_)
      self->fail_connecting_writes();  // someone removed its listener
  } catch (...) {
    self->loop_.report_exception(std::current_exception());
  }
  // A closed socket lets go of its listeners, unless one of them connected it
  // again: a listener that captured the socket's own shared_ptr would
  // otherwise keep it alive forever.
  if (self->state_ == state::closed) self->remove_all_listeners();
}

std::shared_ptr<socket> connect(loop& l, connect_options options, std::function<void()> on_connect) {
  auto s = socket::create(l);
  s->connect(std::move(options), std::move(on_connect));
  return s;
}

std::shared_ptr<socket> create_connection(loop& l, connect_options options, std::function<void()> on_connect) {
  return connect(l, std::move(options), std::move(on_connect));
}

}  // namespace coronet::net
