// net::promises: Node's promise forms (net.connect + events.once, for-await
// over a server or a socket), which coroutines express directly.
//
//     auto [err, sock] = co_await net::promises::connect(l, {.port = 80, .host = "::1"});
//     auto conns = net::promises::connections(*srv);
//     while (auto s = co_await conns.next()) { ... }       // for await (const s of server)
//     auto chunks = net::promises::chunks(*sock);
//     while (auto chunk = co_await chunks.next()) { ... }   // for await (const chunk of socket)
//     auto args = co_await net::promises::once<"connect">(*sock);  // events.once
//
// Every wait takes a std::stop_token where Node takes a `signal`; a stop
// request ends it early: connect and listen with an AbortError
// (code "ABORT_ERR"), the waits with an empty result.
#pragma once

#include <coronet/net/promise_args.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/notifier.hpp>
#include <coronet/task.hpp>

#include <concepts>

#include <deque>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace coronet::net::promises {

// What a promise that may reject resolves to: the error, or the value.
template <class T>
struct outcome {
  std::optional<error_info> error;
  T value{};
  explicit operator bool() const noexcept { return !error; }
};

// net.connect, resolved at `connect`, rejected at `error`. Braced options
// are connect_args (promise_args.hpp says why); named ones connect_options.
task<outcome<std::shared_ptr<socket>>> connect(loop& l, connect_args args, std::stop_token stop = {});
task<outcome<std::shared_ptr<socket>>> connect_owned(loop& l, connect_options options, std::stop_token stop);
template <std::same_as<connect_options> Options>  // a template, so a braced list never picks it
task<outcome<std::shared_ptr<socket>>> connect(loop& l, const Options& options, std::stop_token stop = {}) {
  return connect_owned(l, options, std::move(stop));
}
// server.listen, resolved at `listening`, rejected at `error`. Braced
// options are listen_args; named ones server_listen_options.
task<std::optional<error_info>> listen(server& s, listen_args args);
task<std::optional<error_info>> listen_owned(server& s, server_listen_options options);
template <std::same_as<server_listen_options> Options>
task<std::optional<error_info>> listen(server& s, const Options& options) {
  return listen_owned(s, options);
}
// socket.write, resolved once the data went out.
task<std::optional<error_info>> write(socket& s, std::string data);

// (These are plain functions that hand their arguments to coroutines by
// pointer: g++ 12 also mishandles arguments passed by value straight to a
// coroutine inside a co_await expression.)

namespace detail {
// How an event argument is kept once the emit is over: views become owned
// strings, sockets become shared pointers, pointers become optionals.
template <class T>
struct kept {
  using type = std::decay_t<T>;
  static type keep(const T& v) { return v; }
};
template <>
struct kept<std::string_view> {
  using type = std::string;
  static type keep(std::string_view v) { return std::string(v); }
};
template <>
struct kept<socket&> {
  using type = std::shared_ptr<socket>;
  static type keep(socket& s) { return s.shared_from_this(); }
};
template <class T>
struct kept<const T*> {
  using type = std::optional<T>;
  static type keep(const T* p) { return p ? std::optional<T>(*p) : std::nullopt; }
};

template <fixed_string Name, class... Events>
struct args_of {
  static_assert(sizeof...(Events) < 0, "no such event");
};
// Walks the list; only the matching event's arguments are ever formed.
template <fixed_string Name, bool Match, class Event, class... Rest>
struct args_step : args_of<Name, Rest...> {};
template <fixed_string Name, fixed_string N, class... A, class... Rest>
struct args_step<Name, true, event<N, void(A...)>, Rest...> {
  using type = std::tuple<typename kept<A>::type...>;
};
template <fixed_string Name, fixed_string N, class... A, class... Rest>
struct args_of<Name, event<N, void(A...)>, Rest...>
    : args_step<Name, Name.view() == N.view(), event<N, void(A...)>, Rest...> {};
template <fixed_string Name, class... Events>
auto args_for(const event_emitter<Events...>*) -> typename args_of<Name, Events...>::type;

// Cross-thread stop requests reach the loop through post(); the flag says
// whether the waiter is still there.
struct stop_relay {
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  ~stop_relay() { *alive = false; }
};
}  // namespace detail

// The arguments `once<Name>` resolves with, kept beyond the emit.
template <fixed_string Name, class Emitter>
using event_args = decltype(detail::args_for<Name>(static_cast<const Emitter*>(nullptr)));

// events.once(emitter, name): the next emit's arguments, or nothing when
// `stop` is requested first.
template <fixed_string Name, class Emitter>
task<std::optional<event_args<Name, Emitter>>> once(Emitter& e, std::stop_token stop = {}) {
  notifier woken(e.get_loop());
  std::optional<event_args<Name, Emitter>> got;
  auto id = e.template once<Name>([&](const auto&... args) {
    got.emplace(detail::kept<std::remove_cvref_t<decltype(args)>>::keep(args)...);
    woken.notify();
  });
  detail::stop_relay relay;
  std::stop_callback on_stop(stop, [&l = e.get_loop(), alive = relay.alive, &woken] {
    l.post([alive, &woken] {
      if (*alive) woken.notify();
    });
  });
  while (!got && !stop.stop_requested()) co_await woken;
  if (!got) e.template off<Name>(id);
  co_return got;
}

// for await (const socket of server): connections one by one; next() gives
// null once the server closed (or `stop` was requested).
class connection_stream {
 public:
  explicit connection_stream(server& s, std::stop_token stop = {});
  ~connection_stream();
  connection_stream(const connection_stream&) = delete;
  connection_stream& operator=(const connection_stream&) = delete;
  task<std::shared_ptr<socket>> next();

 private:
  std::shared_ptr<server> server_;
  std::stop_token stop_;
  std::deque<std::shared_ptr<socket>> ready_;
  bool closed_ = false;
  notifier woken_;
  listener_id on_connection_, on_close_;
  std::optional<std::stop_callback<std::function<void()>>> on_stop_;
  detail::stop_relay relay_;
};
inline connection_stream connections(server& s, std::stop_token stop = {}) {
  return connection_stream(s, std::move(stop));
}

// for await (const chunk of socket): chunks one by one (copied: the view a
// `data` event hands out lasts only for the call); next() gives nothing at
// the end of the stream, on error (see error()), or on a stop request.
class chunk_stream {
 public:
  explicit chunk_stream(socket& s, std::stop_token stop = {});
  ~chunk_stream();
  chunk_stream(const chunk_stream&) = delete;
  chunk_stream& operator=(const chunk_stream&) = delete;
  task<std::optional<std::string>> next();
  const std::optional<error_info>& error() const noexcept { return error_; }

 private:
  std::shared_ptr<socket> socket_;
  std::stop_token stop_;
  std::deque<std::string> ready_;
  bool ended_ = false;
  std::optional<error_info> error_;
  notifier woken_;
  listener_id on_data_, on_end_, on_error_, on_close_;
  std::optional<std::stop_callback<std::function<void()>>> on_stop_;
  detail::stop_relay relay_;
};
inline chunk_stream chunks(socket& s, std::stop_token stop = {}) { return chunk_stream(s, std::move(stop)); }

}  // namespace coronet::net::promises
