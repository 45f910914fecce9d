#include <coronet/net/promises.hpp>

namespace coronet::net::promises {

namespace {
// Turns a cross-thread stop request into a wake-up on the loop.
std::function<void()> wake_on_stop(loop& l, const std::shared_ptr<bool>& alive, notifier& w) {
  return [&l, alive, &w] {
    l.post([alive, &w] {
      if (*alive) w.notify();
    });
  };
}

// Runs fn and hands back what it threw. (g++ 12 miscompiles try/catch around
// calls with temporaries inside coroutines, so the try lives out here.)
template <class F>
std::exception_ptr capture(F fn) {
  try {
    fn();
    return nullptr;
  } catch (...) {
    return std::current_exception();
  }
}

task<outcome<std::shared_ptr<socket>>> connect_task(loop& l, std::unique_ptr<connect_options> options,
                                                    std::stop_token stop) {
  auto s = socket::create(l, {.signal = stop});
  notifier woken(l);
  bool done = false;
  std::optional<error_info> failed;
  auto on_connect = s->once<"connect">([&] {
    done = true;
    woken.notify();
  });
  auto on_error = s->once<"error">([&](const error_info& e) {
    failed = e;
    done = true;
    woken.notify();
  });
  if (auto thrown = capture([&] { s->connect(std::move(*options)); })) {
    s->off<"connect">(on_connect);
    s->off<"error">(on_error);
    std::rethrow_exception(thrown);  // bad arguments throw, as Node's do
  }
  while (!done) co_await woken;
  s->off<"connect">(on_connect);
  s->off<"error">(on_error);
  if (failed) co_return {std::move(failed), nullptr};
  co_return {std::nullopt, std::move(s)};
}

task<std::optional<error_info>> listen_task(server& srv, std::unique_ptr<server_listen_options> options) {
  notifier woken(srv.get_loop());
  // A stop request on options.signal closes the server (Node's listen
  // signal) and rejects this promise with an AbortError.
  const std::stop_token signal = options->signal;
  detail::stop_relay relay;
  std::optional<std::stop_callback<std::function<void()>>> on_stop;
  if (signal.stop_possible()) on_stop.emplace(signal, wake_on_stop(srv.get_loop(), relay.alive, woken));
  bool done = false;
  std::optional<error_info> failed;
  auto on_listening = srv.once<"listening">([&] {
    done = true;
    woken.notify();
  });
  auto on_error = srv.once<"error">([&](const error_info& e) {
    failed = e;
    done = true;
    woken.notify();
  });
  if (auto thrown = capture([&] { srv.listen(std::move(*options)); })) {
    srv.off<"listening">(on_listening);
    srv.off<"error">(on_error);
    std::rethrow_exception(thrown);
  }
  while (!done && !signal.stop_requested()) co_await woken;
  srv.off<"listening">(on_listening);
  srv.off<"error">(on_error);
  if (!done) co_return error_info::abort();
  co_return failed;
}

task<std::optional<error_info>> write_task(socket& s, std::unique_ptr<std::string> data) {
  notifier woken(s.get_loop());
  bool done = false;
  std::optional<error_info> failed;
  auto keep = s.shared_from_this();
  s.write(*data, [&](const error_info* e) {
    if (e) failed = *e;
    done = true;
    woken.notify();
  });
  while (!done) co_await woken;
  co_return failed;
}

}  // namespace

task<outcome<std::shared_ptr<socket>>> connect_owned(loop& l, connect_options options, std::stop_token stop) {
  return connect_task(l, std::make_unique<connect_options>(std::move(options)), std::move(stop));
}

task<outcome<std::shared_ptr<socket>>> connect(loop& l, connect_args a, std::stop_token stop) {
  connect_options o;
  o.port = a.port;
  o.host = a.host;
  o.path = a.path;
  o.local_address = a.local_address;
  o.local_port = a.local_port;
  o.family = a.family;
  o.hints = a.hints;
  o.no_delay = a.no_delay;
  o.keep_alive = a.keep_alive;
  o.keep_alive_initial_delay = a.keep_alive_initial_delay;
  o.timeout = a.timeout;
  o.type_of_service = a.type_of_service;
  o.block_list = a.block_list;
  o.auto_select_family = a.auto_select_family;
  o.auto_select_family_attempt_timeout = a.auto_select_family_attempt_timeout;
  o.happy_eyeballs = a.happy_eyeballs;
  return connect_owned(l, std::move(o), std::move(stop));
}

task<std::optional<error_info>> listen_owned(server& s, server_listen_options options) {
  return listen_task(s, std::make_unique<server_listen_options>(std::move(options)));
}

task<std::optional<error_info>> listen(server& s, listen_args a) {
  server_listen_options o;
  o.handle = a.handle;
  o.port = a.port;
  o.host = a.host;
  o.path = a.path;
  o.backlog = a.backlog;
  o.exclusive = a.exclusive;
  o.reuse_port = a.reuse_port;
  o.ipv6_only = a.ipv6_only;
  o.readable_all = a.readable_all;
  o.writable_all = a.writable_all;
  if (a.signal.token) o.signal = *a.signal.token;
  return listen_owned(s, std::move(o));
}

task<std::optional<error_info>> write(socket& s, std::string data) {
  return write_task(s, std::make_unique<std::string>(std::move(data)));
}

// ---- connection_stream -----------------------------------------------------

connection_stream::connection_stream(server& s, std::stop_token stop)
    : server_(s.shared_from_this()), stop_(std::move(stop)), woken_(s.get_loop()) {
  on_connection_ = s.on<"connection">([this](socket& c) {
    ready_.push_back(c.shared_from_this());
    woken_.notify();
  });
  on_close_ = s.on<"close">([this] {
    closed_ = true;
    woken_.notify();
  });
  if (stop_.stop_possible()) on_stop_.emplace(stop_, wake_on_stop(s.get_loop(), relay_.alive, woken_));
}

connection_stream::~connection_stream() {
  server_->off<"connection">(on_connection_);
  server_->off<"close">(on_close_);
}

task<std::shared_ptr<socket>> connection_stream::next() {
  while (ready_.empty() && !closed_ && !stop_.stop_requested()) co_await woken_;
  if (ready_.empty() || stop_.stop_requested()) co_return nullptr;
  auto s = std::move(ready_.front());
  ready_.pop_front();
  co_return s;
}

// ---- chunk_stream ----------------------------------------------------------

chunk_stream::chunk_stream(socket& s, std::stop_token stop)
    : socket_(s.shared_from_this()), stop_(std::move(stop)), woken_(s.get_loop()) {
  on_data_ = s.on<"data">([this](std::string_view d) {
    ready_.emplace_back(d);
    woken_.notify();
  });
  auto finish = [this] {
    ended_ = true;
    woken_.notify();
  };
  on_end_ = s.on<"end">(finish);
  on_close_ = s.on<"close">([finish](bool) { finish(); });
  on_error_ = s.on<"error">([this, finish](const error_info& e) {
    error_ = e;
    finish();
  });
  if (stop_.stop_possible()) on_stop_.emplace(stop_, wake_on_stop(s.get_loop(), relay_.alive, woken_));
}

chunk_stream::~chunk_stream() {
  socket_->off<"data">(on_data_);
  socket_->off<"end">(on_end_);
  socket_->off<"close">(on_close_);
  socket_->off<"error">(on_error_);
}

task<std::optional<std::string>> chunk_stream::next() {
  while (ready_.empty() && !ended_ && !stop_.stop_requested()) co_await woken_;
  if (ready_.empty() || stop_.stop_requested()) co_return std::nullopt;
  auto chunk = std::move(ready_.front());
  ready_.pop_front();
  co_return chunk;
}

}  // namespace coronet::net::promises
