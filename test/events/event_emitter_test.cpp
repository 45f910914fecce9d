// event_emitter: Node's EventEmitter semantics (lib/events.js and its
// test/parallel/test-event-emitter-*.js), with every callback counted so a
// double call shows. The compile-time checks are in the last cases here and
// in emitter/compile_fail.py, which checks the messages of code that must not
// compile.
#include <doctest/doctest.h>

#include <coronet/events/event_emitter.hpp>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using coronet::events::event;
using coronet::events::event_emitter;
using coronet::events::listener_id;

namespace {

struct error_info {
  int code = 0;
};

using events = event_emitter<event<"data", void(std::string_view)>,  //
                             event<"close", void(bool)>,             //
                             event<"tick", void()>,                  //
                             event<"edit", void(std::string&)>,      //
                             event<"error", void(const error_info&)>>;

// node:net's classes name the emitter through net::, and user code may too.
static_assert(std::is_same_v<coronet::net::event_emitter<event<"tick", void()>>,
                             event_emitter<coronet::net::event<"tick", void()>>>);

// An emitter that, like a socket, routes errors nobody listens to.
struct routed : events {
  std::vector<int> unhandled;
  routed() {
    set_unhandled_error_handler([this](const error_info& e) { unhandled.push_back(e.code); });
  }
  void stop_routing() { set_unhandled_error_handler(nullptr); }
};

}  // namespace

TEST_CASE("listeners run in registration order with the emitted arguments") {
  events e;
  std::string log;
  e.on<"data">([&](std::string_view s) { log += "1:" + std::string(s) + " "; });
  e.add_listener<"data">([&](std::string_view s) { log += "2:" + std::string(s) + " "; });
  e.on<"data">([&](auto&&... args) { log += "3:" + std::to_string(sizeof...(args)); });
  CHECK(e.emit<"data">("hi"));
  CHECK(log == "1:hi 2:hi 3:1");
  CHECK(e.listener_count<"data">() == 3);
}

TEST_CASE("emit returns false for an event without listeners and true for one with") {
  events e;
  CHECK_FALSE(e.emit<"tick">());
  int ticks = 0;
  const listener_id id = e.on<"tick">([&] { ++ticks; });
  CHECK(e.emit<"tick">());
  CHECK(e.off<"tick">(id));
  CHECK_FALSE(e.emit<"tick">());
  CHECK(ticks == 1);
}

TEST_CASE("a once listener runs exactly once and is removed before it runs") {
  events e;
  int calls = 0;
  std::size_t count_inside = 99;
  e.once<"close">([&](bool had_error) {
    ++calls;
    CHECK(had_error);
    count_inside = e.listener_count<"close">();
  });
  CHECK(e.listener_count<"close">() == 1);
  CHECK(e.emit<"close">(true));
  CHECK_FALSE(e.emit<"close">(true));
  CHECK(calls == 1);
  CHECK(count_inside == 0);
  CHECK(e.listener_count<"close">() == 0);
}

TEST_CASE("prepended listeners run before the ones already registered") {
  events e;
  std::string order;
  e.on<"tick">([&] { order += 'a'; });
  e.prepend_listener<"tick">([&] { order += 'b'; });
  e.prepend_once_listener<"tick">([&] { order += 'c'; });
  e.emit<"tick">();
  e.emit<"tick">();
  CHECK(order == "cbaba");
}

TEST_CASE("off removes exactly the listener its id names, once") {
  events e;
  int a = 0, b = 0;
  const listener_id ida = e.on<"tick">([&] { ++a; });
  const listener_id idb = e.on<"tick">([&] { ++b; });
  CHECK(ida != idb);
  CHECK_FALSE(e.off<"close">(ida));  // an id of another event names nothing here
  CHECK(e.remove_listener<"tick">(ida));
  CHECK_FALSE(e.off<"tick">(ida));
  CHECK_FALSE(e.off<"tick">(listener_id{}));
  e.emit<"tick">();
  CHECK(a == 0);
  CHECK(b == 1);
  CHECK(e.listener_count<"tick">() == 1);
}

TEST_CASE("off on a once listener that already ran returns false") {
  events e;
  int calls = 0;
  const listener_id id = e.once<"tick">([&] { ++calls; });
  e.emit<"tick">();
  CHECK_FALSE(e.off<"tick">(id));
  CHECK(calls == 1);
}

TEST_CASE("remove_all_listeners of one event leaves the other events alone") {
  events e;
  int ticks = 0, closes = 0;
  e.on<"tick">([&] { ++ticks; });
  e.on<"tick">([&] { ++ticks; });
  e.on<"close">([&](bool) { ++closes; });
  e.remove_all_listeners<"tick">();
  CHECK_FALSE(e.emit<"tick">());
  CHECK(e.emit<"close">(false));
  e.remove_all_listeners();
  CHECK_FALSE(e.emit<"close">(false));
  CHECK(ticks == 0);
  CHECK(closes == 1);
}

TEST_CASE("a listener removed during an emit still runs in that emit, and not in the next") {
  events e;
  int a = 0, b = 0;
  listener_id idb;
  e.on<"tick">([&] {
    ++a;
    e.off<"tick">(idb);
  });
  idb = e.on<"tick">([&] { ++b; });
  CHECK(e.emit<"tick">());
  CHECK(e.listener_count<"tick">() == 1);
  CHECK(e.emit<"tick">());
  CHECK(a == 2);
  CHECK(b == 1);
}

TEST_CASE("a listener can remove itself while it runs") {
  events e;
  int calls = 0;
  listener_id self;
  self = e.on<"tick">([&] {
    ++calls;
    CHECK(e.off<"tick">(self));
  });
  e.emit<"tick">();
  e.emit<"tick">();
  CHECK(calls == 1);
}

TEST_CASE("a listener added during an emit, appended or prepended, first runs in the next emit") {
  events e;
  std::string order;
  bool added = false;
  e.on<"tick">([&] {
    order += 'a';
    if (added) return;
    added = true;
    e.on<"tick">([&] { order += 'x'; });
    e.prepend_listener<"tick">([&] { order += 'p'; });
  });
  e.on<"tick">([&] { order += 'b'; });  // still runs after the prepend above
  e.emit<"tick">();
  CHECK(order == "ab");
  e.emit<"tick">();
  CHECK(order == "abpabx");
}

TEST_CASE("remove_all_listeners during an emit lets that emit finish") {
  events e;
  int a = 0, b = 0;
  e.on<"tick">([&] {
    ++a;
    e.remove_all_listeners<"tick">();
  });
  e.on<"tick">([&] { ++b; });
  CHECK(e.emit<"tick">());
  CHECK(e.listener_count<"tick">() == 0);
  CHECK_FALSE(e.emit<"tick">());
  CHECK(a == 1);
  CHECK(b == 1);
}

TEST_CASE("a nested emit of the same event calls the listeners present when it begins") {
  // Listeners a, b, c. The first time a runs it removes c and emits again:
  // the nested emit no longer sees c; the outer one, begun earlier, does.
  events e;
  int a = 0, b = 0, c = 0;
  listener_id idc;
  e.on<"tick">([&] {
    if (++a > 1) return;
    e.off<"tick">(idc);
    CHECK(e.emit<"tick">());
  });
  e.on<"tick">([&] { ++b; });
  idc = e.on<"tick">([&] { ++c; });
  e.emit<"tick">();
  CHECK(a == 2);
  CHECK(b == 2);
  CHECK(c == 1);
  CHECK(e.listener_count<"tick">() == 2);
}

TEST_CASE("a once listener run by a nested emit is not run again by the outer emit") {
  events e;
  int a = 0, once = 0;
  e.on<"tick">([&] {
    if (++a == 1) e.emit<"tick">();
  });
  e.once<"tick">([&] { ++once; });
  e.emit<"tick">();
  CHECK(a == 2);
  CHECK(once == 1);
  CHECK(e.listener_count<"tick">() == 1);
}

TEST_CASE("a once listener removed during an emit still runs once in that emit") {
  events e;
  int once = 0, removals = 0;
  listener_id id;
  e.on<"tick">([&] { removals += e.off<"tick">(id) ? 1 : 0; });
  id = e.once<"tick">([&] { ++once; });
  e.emit<"tick">();
  e.emit<"tick">();
  CHECK(once == 1);
  CHECK(removals == 1);
  CHECK(e.listener_count<"tick">() == 1);
}

TEST_CASE("a listener that throws stops the emit and leaves the emitter consistent") {
  events e;
  int before = 0, after = 0, once = 0;
  listener_id removed_during;
  e.on<"tick">([&] {
    ++before;
    e.off<"tick">(removed_during);
  });
  e.once<"tick">([&] {
    ++once;
    throw std::runtime_error("listener failed");
  });
  removed_during = e.on<"tick">([&] { ++after; });
  CHECK_THROWS_AS(e.emit<"tick">(), std::runtime_error);
  CHECK(after == 0);
  CHECK(e.listener_count<"tick">() == 1);  // the once listener and the removed one are gone
  CHECK(e.emit<"tick">());
  CHECK(before == 2);
  CHECK(once == 1);
  CHECK(after == 0);
}

TEST_CASE("a listener may destroy the emitter during an emit") {
  auto e = std::make_unique<events>();
  int first = 0, second = 0;
  e->on<"tick">([&] {
    ++first;
    e.reset();
  });
  e->on<"tick">([&] { ++second; });
  CHECK(e->emit<"tick">());
  CHECK(e == nullptr);
  CHECK(first == 1);
  CHECK(second == 0);
}

TEST_CASE("a listener that registers many listeners keeps its own state while the list grows") {
  events e;
  int added = 0;
  std::string captured = "still here";
  e.on<"tick">([&e, &added, captured] {
    for (int i = 0; i < 100; ++i) e.on<"tick">([&added] { ++added; });
    CHECK(captured == "still here");  // this closure did not move
  });
  e.emit<"tick">();
  CHECK(added == 0);
  CHECK(e.listener_count<"tick">() == 101);
}

TEST_CASE("reference arguments reach each listener as the same object") {
  events e;
  e.on<"edit">([](std::string& s) { s += "a"; });
  e.on<"edit">([](std::string& s) { s += "b"; });
  std::string text;
  e.emit<"edit">(text);
  CHECK(text == "ab");
}

TEST_CASE("listeners may be move-only callables") {
  events e;
  auto count = std::make_unique<int>(0);
  int* seen = count.get();
  e.on<"close">([c = std::move(count)](bool) { ++*c; });
  e.emit<"close">(false);
  e.emit<"close">(true);
  CHECK(*seen == 2);
}

TEST_CASE("moving an emitter moves its listeners and leaves the source without any") {
  events a;
  int ticks = 0;
  a.on<"tick">([&] { ++ticks; });
  events b = std::move(a);
  CHECK(b.emit<"tick">());
  CHECK_FALSE(a.emit<"tick">());  // NOLINT(bugprone-use-after-move): valid but empty
  CHECK(a.listener_count<"tick">() == 0);
  a = std::move(b);
  CHECK(a.emit<"tick">());
  CHECK(ticks == 2);
}

TEST_CASE("an error emitted with no listener goes to the unhandled-error handler") {
  routed e;
  CHECK_FALSE(e.emit<"error">(error_info{7}));
  CHECK(e.unhandled == std::vector<int>{7});

  int heard = 0;
  const listener_id id = e.on<"error">([&](const error_info& err) { heard += err.code; });
  CHECK(e.emit<"error">(error_info{3}));
  CHECK(heard == 3);
  CHECK(e.unhandled == std::vector<int>{7});

  e.off<"error">(id);
  e.stop_routing();
  CHECK_FALSE(e.emit<"error">(error_info{9}));
  CHECK(e.unhandled == std::vector<int>{7});
}

TEST_CASE("an error with neither listener nor handler is dropped and emit returns false") {
  events e;
  CHECK_FALSE(e.emit<"error">(error_info{1}));
}

TEST_CASE("listener ids are unique across events and a default id names nothing") {
  events e;
  const listener_id a = e.on<"tick">([] {});
  const listener_id b = e.on<"close">([](bool) {});
  CHECK(a != b);
  CHECK((a < b || b < a));
  CHECK(static_cast<bool>(a));
  CHECK_FALSE(static_cast<bool>(listener_id{}));
}

namespace {

// Node's algorithm, transliterated from lib/events.js: emit walks a copy of
// the array, and a once wrapper removes itself and sets `fired` before it
// calls the listener. Listeners are numbered; what they do when called is
// up to the script below.
struct node_model {
  struct wrapper {
    int key;
    bool once;
    bool fired = false;
  };
  std::vector<std::shared_ptr<wrapper>> array;
  std::function<void(int)> on_call;

  void add(int key, bool once, bool prepend) {
    auto w = std::make_shared<wrapper>(wrapper{key, once});
    array.insert(prepend ? array.begin() : array.end(), std::move(w));
  }
  bool off(int key) {
    for (auto it = array.begin(); it != array.end(); ++it) {
      if ((*it)->key == key) {
        array.erase(it);
        return true;
      }
    }
    return false;
  }
  void remove_all() { array.clear(); }
  std::size_t count() const { return array.size(); }
  bool emit() {
    if (array.empty()) return false;
    const auto copy = array;
    for (const auto& w : copy) {
      if (w->once) {
        if (w->fired) continue;
        off(w->key);
        w->fired = true;
      }
      on_call(w->key);
    }
    return true;
  }
};

struct coronet_impl {
  events e;
  std::map<int, listener_id> ids;
  std::function<void(int)> on_call;

  void add(int key, bool once, bool prepend) {
    auto fn = [this, key] { on_call(key); };
    ids[key] = once ? (prepend ? e.prepend_once_listener<"tick">(fn) : e.once<"tick">(fn))
                    : (prepend ? e.prepend_listener<"tick">(fn) : e.on<"tick">(fn));
  }
  bool off(int key) { return e.off<"tick">(ids[key]); }
  void remove_all() { e.remove_all_listeners<"tick">(); }
  std::size_t count() const { return e.listener_count<"tick">(); }
  bool emit() { return e.emit<"tick">(); }
};

// Random operations, at top level and from inside listeners (registrations,
// removals, nested emits), recorded as a trace to compare.
template <class Impl>
std::vector<long> run_script(unsigned seed) {
  Impl impl;
  std::mt19937 rng(seed);
  std::vector<long> trace;
  int keys = 0, depth = 0, calls = 0;
  std::function<void()> step = [&] {
    switch (rng() % 8) {
      case 0:
      case 1:
        impl.add(keys++, rng() % 3 == 0, rng() % 3 == 0);
        break;
      case 2:
        if (keys > 0) trace.push_back(impl.off(static_cast<int>(rng() % static_cast<unsigned>(keys))) ? -2 : -3);
        break;
      case 3:
        if (rng() % 6 == 0) impl.remove_all();
        break;
      case 4:
      case 5:
        if (depth < 3) {
          ++depth;
          trace.push_back(impl.emit() ? -4 : -5);
          --depth;
        }
        break;
      default:
        break;
    }
    trace.push_back(-1000 - static_cast<long>(impl.count()));
  };
  impl.on_call = [&](int key) {
    trace.push_back(key);
    if (++calls < 3000) step();
  };
  for (int i = 0; i < 80; ++i) step();
  return trace;
}

}  // namespace

TEST_CASE("random scripts of registrations, removals and nested emits run as in Node's algorithm") {
  for (unsigned seed = 1; seed <= 400; ++seed) {
    CAPTURE(seed);
    const auto expected = run_script<node_model>(seed);
    const auto actual = run_script<coronet_impl>(seed);
    REQUIRE(actual == expected);
  }
}

TEST_CASE("event names and listener signatures are checked at compile time") {
  // What on<Name>(F) requires; compile_fail.py checks that breaking it fails
  // with the messages "no such event" and "listener signature does not
  // match event".
  static_assert(events::has_event<"data">);
  static_assert(!events::has_event<"dat">);
  static_assert(!events::has_event<"Data">);
  static_assert(events::accepts_listener<"data", void (*)(std::string_view)>);
  static_assert(events::accepts_listener<"data", void (*)(const std::string_view&)>);
  static_assert(!events::accepts_listener<"data", void (*)(std::string)>);  // explicit conversion only
  static_assert(!events::accepts_listener<"data", void (*)(int)>);
  static_assert(!events::accepts_listener<"tick", void (*)(int)>);
  static_assert(!events::accepts_listener<"close", void (*)(bool&)>);  // values arrive as const
  static_assert(events::accepts_listener<"edit", void (*)(std::string&)>);
  static_assert(!events::accepts_listener<"nope", void (*)()>);
  CHECK(true);
}
