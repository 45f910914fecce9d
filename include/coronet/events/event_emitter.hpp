// EventEmitter from node:events, with Node's event names checked by the
// compiler: an emitter declares its events and their listener signatures,
//
//   using my_events = event_emitter<event<"data", void(std::string_view)>,
//                                   event<"close", void(bool)>>;
//   e.on<"data">([](std::string_view chunk) { ... });
//   e.emit<"close">(false);
//
// and `e.on<"dta">(...)` or a listener that cannot take the event's
// arguments does not compile.
//
// Semantics are Node's: listeners run synchronously in registration order;
// a `once` listener is removed before it runs; an emit calls the listeners
// registered when it began, even one removed meanwhile, and none added
// meanwhile; emits may nest. What differs, because C++ callables cannot be
// compared: registration returns a listener_id, and removal takes it. Not
// provided: the 'newListener'/'removeListener' events, max listeners,
// listeners()/rawListeners(), captureRejections.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <coronet/events/fixed_string.hpp>

namespace coronet::events {

template <class... Events>
class event_emitter;

// Names one registered listener, for off()/remove_listener(). A default
// constructed id names none. Ids are unique within an emitter.
class listener_id {
 public:
  constexpr listener_id() noexcept = default;
  constexpr explicit operator bool() const noexcept { return value_ != 0; }
  constexpr auto operator<=>(const listener_id&) const noexcept = default;

 private:
  template <class...>
  friend class event_emitter;
  constexpr explicit listener_id(std::uint64_t value) noexcept : value_(value) {}
  std::uint64_t value_ = 0;
};

namespace detail {

// How an event argument reaches listeners: references as they are, values
// as const lvalues, because every listener of one emit sees the same object.
template <class A>
using listener_arg_t = std::conditional_t<std::is_reference_v<A>, A, const A&>;

template <class... Args>
class listener_list {
 public:
  // A type-erased listener. Always on the heap, so it keeps its address when
  // the vector of slots grows: a listener that registers another listener
  // keeps running in a closure that has not moved.
  struct callable {
    virtual ~callable() = default;
    virtual void call(listener_arg_t<Args>... args) = 0;
  };

  template <class F>
  static constexpr bool accepts =
      std::is_invocable_v<std::decay_t<F>&, listener_arg_t<Args>...>&& std::is_constructible_v<std::decay_t<F>, F>;

  template <class F>
  static std::unique_ptr<callable> make(F&& fn) {
    struct holder final : callable {
      std::decay_t<F> fn;
      explicit holder(F&& f) : fn(std::forward<F>(f)) {}
      void call(listener_arg_t<Args>... args) override { std::invoke(fn, args...); }
    };
    return std::make_unique<holder>(std::forward<F>(fn));
  }

  listener_list() = default;
  // Only while neither list is emitting (an emit in progress would keep
  // using the old one). The source is left with no listeners.
  listener_list(listener_list&& other) noexcept { *this = std::move(other); }
  listener_list& operator=(listener_list&& other) noexcept {
    if (this != &other) {
      slots_ = std::move(other.slots_);
      other.slots_.clear();
      live_ = std::exchange(other.live_, 0);
    }
    return *this;
  }

  // A listener may destroy the emitter it runs in (a "close" listener that
  // deletes its connection). Every emit in progress learns of it here and
  // returns without touching the freed list.
  ~listener_list() {
    for (emit_scope* s = innermost_; s != nullptr; s = s->outer) s->destroyed = true;
  }

  void add(listener_id id, std::unique_ptr<callable> fn, bool once, bool prepend) {
    if (prepend) {
      slots_.insert(slots_.begin(), slot{std::move(fn), id, live, once});
      ++prepended_;
    } else {
      slots_.push_back(slot{std::move(fn), id, live, once});
    }
    ++live_;
  }

  bool remove(listener_id id) noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].id == id && slots_[i].removed_at == live) {
        mark_removed(i);
        return true;
      }
    }
    return false;
  }

  void remove_all() noexcept {
    if (depth_ == 0) {
      // The closures die after the list is consistent again (when `doomed`
      // goes out of scope), in case one's destructor registers a listener.
      auto doomed = std::move(slots_);
      slots_.clear();
      live_ = 0;
      return;
    }
    const std::uint64_t now = ++clock_;
    for (slot& s : slots_) {
      if (s.removed_at == live) s.removed_at = now;
    }
    live_ = 0;
  }

  std::size_t count() const noexcept { return live_; }

  // Calls, in order, the listeners registered when this emit began and not
  // removed before it began (Node calls a copy of its array). A listener
  // removed while the emit runs is still called; one added is not. No
  // allocation: removed slots stay in place until the outermost emit of this
  // event ends, so indices stay valid across nested emits.
  bool emit(listener_arg_t<Args>... args) {
    if (live_ == 0) return false;
    const std::size_t n = slots_.size();
    const std::uint64_t stamp = ++clock_;
    const std::size_t prepended_at_start = prepended_;
    emit_scope scope(*this);
    for (std::size_t i = 0; i < n; ++i) {
      // Listeners prepended since the emit began sit in front of ours.
      slot& s = slots_[i + (prepended_ - prepended_at_start)];
      if (s.removed_at <= stamp) continue;
      callable* fn = s.fn.get();  // stays valid: removal only marks while emitting
      if (s.once) {
        // Node's once wrapper removes itself before the call, and a nested
        // emit or an outer one resumed later must not call it again.
        if (s.removed_at == live) --live_;
        s.removed_at = fired;
      }
      fn->call(args...);
      if (scope.destroyed) return true;
    }
    return true;
  }

 private:
  // removed_at: `live` while registered; otherwise the clock value when it
  // was removed, so emits that began earlier still call it; `fired` for a
  // once listener that ran, which no emit calls again.
  static constexpr std::uint64_t live = UINT64_MAX;
  static constexpr std::uint64_t fired = 0;

  struct slot {
    std::unique_ptr<callable> fn;
    listener_id id;
    std::uint64_t removed_at;
    bool once;
  };

  struct emit_scope {
    listener_list& list;
    emit_scope* outer;
    bool destroyed = false;

    explicit emit_scope(listener_list& l) noexcept : list(l), outer(l.innermost_) {
      l.innermost_ = this;
      ++l.depth_;
    }
    emit_scope(const emit_scope&) = delete;
    emit_scope& operator=(const emit_scope&) = delete;
    // Also runs when a listener throws, so the list stays consistent.
    ~emit_scope() {
      if (destroyed) return;
      list.innermost_ = outer;
      if (--list.depth_ == 0 && list.live_ != list.slots_.size()) list.compact();
    }
  };

  void mark_removed(std::size_t i) noexcept {
    --live_;
    if (depth_ > 0) {
      slots_[i].removed_at = ++clock_;
      return;
    }
    auto doomed = std::move(slots_[i].fn);  // dies after the erase, as in remove_all
    slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(i));
  }

  void compact() noexcept {
    std::erase_if(slots_, [](const slot& s) { return s.removed_at != live; });
  }

  std::vector<slot> slots_;
  std::size_t live_ = 0;       // slots with removed_at == live
  std::uint64_t clock_ = 0;    // orders emits and removals
  std::size_t prepended_ = 0;  // prepends so far; only differences matter
  std::uint32_t depth_ = 0;    // emits of this event in progress
  emit_scope* innermost_ = nullptr;
};

}  // namespace detail

// One event: its name and its listeners' signature, which returns void.
template <fixed_string Name, class Signature>
struct event {
  static_assert(!std::is_same_v<Signature, Signature>, "an event's signature is void(Args...)");
};

template <fixed_string Name, class... Args>
struct event<Name, void(Args...)> {
  static_assert((!std::is_rvalue_reference_v<Args> && ...),
                "event arguments cannot be rvalue references: every listener receives the same arguments");
  static constexpr auto name = Name;
  using listener_list = detail::listener_list<Args...>;
};

namespace detail {

template <fixed_string Name, class... Events>
constexpr std::size_t event_index() noexcept {
  constexpr std::array<std::string_view, sizeof...(Events)> names{Events::name.view()...};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == Name.view()) return i;
  }
  return names.size();
}

template <class... Events>
constexpr bool names_unique() noexcept {
  constexpr std::array<std::string_view, sizeof...(Events)> names{Events::name.view()...};
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

template <std::size_t I, class F, class... Events>
constexpr bool accepts_listener() noexcept {
  if constexpr (I < sizeof...(Events)) {
    using list = typename std::tuple_element_t<I, std::tuple<Events...>>::listener_list;
    return list::template accepts<F>;
  } else {
    return false;
  }
}

// What holds the unhandled-error handler: the "error" event's callable when
// the emitter has one (at index I), otherwise a stand-in that is never used.
template <std::size_t I, class... Events>
struct error_handler {
  struct none {};
  using type = std::unique_ptr<none>;
  using list = void;
};
template <std::size_t I, class... Events>
requires(I < sizeof...(Events)) struct error_handler<I, Events...> {
  using list = typename std::tuple_element_t<I, std::tuple<Events...>>::listener_list;
  using type = std::unique_ptr<typename list::callable>;
};

}  // namespace detail

template <class... Events>
class event_emitter {
  static_assert(detail::names_unique<Events...>(), "an event name appears twice in this emitter's list");

  template <fixed_string Name>
  static constexpr std::size_t index = detail::event_index<Name, Events...>();

  template <fixed_string Name>
  using list_t = typename std::tuple_element_t<index<Name>, std::tuple<Events...>>::listener_list;

  using error_handler = detail::error_handler<index<"error">, Events...>;

 public:
  // Whether this emitter has an event of that name.
  template <fixed_string Name>
  static constexpr bool has_event = index<Name> < sizeof...(Events);

  // Whether `on<Name>(F)` compiles: the event exists and F can be called
  // with its arguments (as const lvalues, or the references it declares).
  template <fixed_string Name, class F>
  static constexpr bool accepts_listener = detail::accepts_listener<index<Name>, F, Events...>();

  event_emitter() = default;
  event_emitter(const event_emitter&) = delete;
  event_emitter& operator=(const event_emitter&) = delete;
  // Only while no emit is in progress.
  event_emitter(event_emitter&&) noexcept = default;
  event_emitter& operator=(event_emitter&&) noexcept = default;
  ~event_emitter() = default;

  // emitter.on / addListener: append a listener.
  template <fixed_string Name, class F>
  listener_id on(F&& listener) {
    return add<Name>(std::forward<F>(listener), false, false);
  }
  template <fixed_string Name, class F>
  listener_id add_listener(F&& listener) {
    return add<Name>(std::forward<F>(listener), false, false);
  }
  // emitter.once: removed before its first call, so it runs at most once.
  template <fixed_string Name, class F>
  listener_id once(F&& listener) {
    return add<Name>(std::forward<F>(listener), true, false);
  }
  // emitter.prependListener / prependOnceListener: run before the others.
  template <fixed_string Name, class F>
  listener_id prepend_listener(F&& listener) {
    return add<Name>(std::forward<F>(listener), false, true);
  }
  template <fixed_string Name, class F>
  listener_id prepend_once_listener(F&& listener) {
    return add<Name>(std::forward<F>(listener), true, true);
  }

  // emitter.off / removeListener. False if the id names no listener of this
  // event (never registered, already removed, or a once listener that ran).
  // The listener's callable is destroyed at once, or after the outermost
  // emit of this event if one is running.
  template <fixed_string Name>
  bool off(listener_id id) noexcept {
    static_assert(has_event<Name>, "no such event");
    if constexpr (has_event<Name>) return list<Name>().remove(id);
    return false;
  }
  template <fixed_string Name>
  bool remove_listener(listener_id id) noexcept {
    return off<Name>(id);
  }

  // emitter.removeAllListeners([eventName]).
  template <fixed_string Name>
  void remove_all_listeners() noexcept {
    static_assert(has_event<Name>, "no such event");
    if constexpr (has_event<Name>) list<Name>().remove_all();
  }
  void remove_all_listeners() noexcept {
    std::apply([](auto&... lists) { (lists.remove_all(), ...); }, lists_);
  }

  template <fixed_string Name>
  std::size_t listener_count() const noexcept {
    static_assert(has_event<Name>, "no such event");
    if constexpr (has_event<Name>) return std::get<index<Name>>(lists_).count();
    return 0;
  }

  // emitter.emit: calls the listeners synchronously, in order; true if the
  // event had listeners. Allocates nothing; an exception from a listener
  // propagates (the listeners after it do not run) and leaves the emitter
  // usable. A listener may destroy the emitter: emit then returns at once.
  //
  // "error" with no listener returns false after calling the handler set by
  // set_unhandled_error_handler, if any: where Node would throw, the owner
  // of the emitter decides, so an error is never silently lost.
  template <fixed_string Name, class... A>
  bool emit(A&&... args) {
    static_assert(has_event<Name>, "no such event");
    if constexpr (has_event<Name>) {
      using emit_fn = decltype(&list_t<Name>::emit);
      static_assert(std::is_invocable_v<emit_fn, list_t<Name>&, A&...>,
                    "emit arguments do not match the event's signature");
      if constexpr (std::is_invocable_v<emit_fn, list_t<Name>&, A&...>) {
        if (list<Name>().emit(args...)) return true;
        if constexpr (Name == fixed_string("error")) {
          if (unhandled_error_) unhandled_error_->call(args...);
        }
      }
    }
    return false;
  }

 protected:
  // Receives an "error" emitted with no listener. Needs an "error" event;
  // the handler takes that event's arguments. nullptr clears it.
  template <class F>
  void set_unhandled_error_handler(F&& handler) {
    static_assert(has_event<"error">, "set_unhandled_error_handler needs an \"error\" event");
    if constexpr (has_event<"error">) {
      if constexpr (std::is_null_pointer_v<std::decay_t<F>>) {
        unhandled_error_.reset();
      } else {
        static_assert(accepts_listener<"error", F>, "listener signature does not match event");
        if constexpr (accepts_listener<"error", F>) {
          unhandled_error_ = error_handler::list::make(std::forward<F>(handler));
        }
      }
    }
  }

 private:
  template <fixed_string Name, class F>
  listener_id add(F&& listener, bool once, bool prepend) {
    static_assert(has_event<Name>, "no such event");
    if constexpr (has_event<Name>) {
      static_assert(accepts_listener<Name, F>, "listener signature does not match event");
      if constexpr (accepts_listener<Name, F>) {
        const listener_id id(++last_id_);
        list<Name>().add(id, list_t<Name>::make(std::forward<F>(listener)), once, prepend);
        return id;
      }
    }
    return {};
  }

  template <fixed_string Name>
  list_t<Name>& list() noexcept {
    return std::get<index<Name>>(lists_);
  }

  std::tuple<typename Events::listener_list...> lists_;
  std::uint64_t last_id_ = 0;
  typename error_handler::type unhandled_error_;
};

}  // namespace coronet::events

namespace coronet::net {
// node:net's Socket and Server are EventEmitters: user code that names the
// emitter through net:: (net::event_emitter, net::event) keeps compiling.
using events::event;
using events::event_emitter;
using events::listener_id;
}  // namespace coronet::net
