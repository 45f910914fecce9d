// tls::with_events: a node:net class (socket, server) with more events, as
// tls.TLSSocket is a net.Socket with 'secureConnect' and the rest. Every
// name of the base's events reaches the base; the new ones reach a second
// emitter. Which one is decided at compile time, by the event's name.
#pragma once

#include <coronet/events/event_emitter.hpp>

#include <cstddef>
#include <utility>

namespace coronet::tls {

template <class Base, class Extra>
class with_events : public Base {
 public:
  using Base::Base;

  template <net::fixed_string Name, class F>
  net::listener_id on(F&& f) {
    if constexpr (Extra::template has_event<Name>) {
      return extra_.template on<Name>(std::forward<F>(f));
    } else {
      return Base::template on<Name>(std::forward<F>(f));
    }
  }
  template <net::fixed_string Name, class F>
  net::listener_id add_listener(F&& f) {
    return on<Name>(std::forward<F>(f));
  }
  template <net::fixed_string Name, class F>
  net::listener_id once(F&& f) {
    if constexpr (Extra::template has_event<Name>) {
      return extra_.template once<Name>(std::forward<F>(f));
    } else {
      return Base::template once<Name>(std::forward<F>(f));
    }
  }
  template <net::fixed_string Name>
  bool off(net::listener_id id) noexcept {
    if constexpr (Extra::template has_event<Name>) {
      return extra_.template off<Name>(id);
    } else {
      return Base::template off<Name>(id);
    }
  }
  template <net::fixed_string Name>
  std::size_t listener_count() const noexcept {
    if constexpr (Extra::template has_event<Name>) {
      return extra_.template listener_count<Name>();
    } else {
      return Base::template listener_count<Name>();
    }
  }
  template <net::fixed_string Name, class... A>
  bool emit(A&&... args) {
    if constexpr (Extra::template has_event<Name>) {
      return extra_.template emit<Name>(std::forward<A>(args)...);
    } else {
      return Base::template emit<Name>(std::forward<A>(args)...);
    }
  }
  void remove_all_listeners() noexcept {
    extra_.remove_all_listeners();
    Base::remove_all_listeners();
  }

 protected:
  Extra extra_;
};

}  // namespace coronet::tls
