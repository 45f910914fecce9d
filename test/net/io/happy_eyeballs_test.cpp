// auto_select_family (Happy Eyeballs): attempt order, events, the aggregate
// error, the RFC 8305 race against Node's abandon, and cancellation. A custom
// lookup answers with several loopback addresses, so no DNS is involved.
#include <coronet/listener.hpp>
#include <coronet/net/address/block_list.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>

#include "../../test_util.hpp"
#include "net_test_util.hpp"

#include <sys/socket.h>

#include <stop_token>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

// A lookup that answers, in a later loop turn, with `found`.
net::lookup_function answer_with(loop& l, std::vector<net::lookup_address> found, bool* asked_all = nullptr) {
  return [&l, found, asked_all](std::string_view, int, net::lookup_callback done) {
    if (asked_all) *asked_all = done.all();
    l.post([done, found] { done(nullptr, found); });
  };
}

// Logs the attempt events and `connect` as short lines.
void record(net::socket& c, std::vector<std::string>& log) {
  c.on<"connectionAttempt">([&log](std::string_view ip, int, int family) {
    log.push_back("attempt " + std::string(ip) + " v" + std::to_string(family));
  });
  c.on<"connectionAttemptFailed">([&log](std::string_view ip, int, int, const net::error_info& e) {
    log.push_back("failed " + std::string(ip) + " " + e.code);
  });
  c.on<"connectionAttemptTimeout">(
      [&log](std::string_view ip, int, int) { log.push_back("timeout " + std::string(ip)); });
  c.on<"connect">([&log] { log.push_back("connect"); });
}

// A loopback port nothing listens on (for 127.0.0.1 and ::1 alike).
int refused_port(loop& l) {
  auto probe = test::listen(l, endpoint::loopback(AF_INET, 0));
  return probe.local_endpoint()->port();
}

task<void> accept_all(listener& from, std::vector<stream_socket>& into, std::stop_token stop) {
  for (;;) {
    auto r = co_await from.accept(stop);
    if (r.ec) co_return;
    into.push_back(std::move(r.value));
  }
}

// A listener whose accept queue is full: the kernel drops a new SYN, so a
// connect to it stays pending. free() empties the queue; a waiting client
// then connects on its SYN retransmit, about a second later.
struct black_hole {
  listener lst;
  std::vector<stream_socket> fillers;
  std::vector<stream_socket> accepted;
  std::stop_source stop_accepting;

  black_hole(loop& l, const char* ip, int port)
      : lst(test::listen(l, *endpoint::ip(ip, static_cast<std::uint16_t>(port)), {.backlog = 0})) {
    auto at = *lst.local_endpoint();
    for (int i = 0; i < 2; ++i) {
      auto s = stream_socket::open(l, AF_INET);
      REQUIRE(s);
      ::connect(s->native_handle(), at.data(), at.size());  // non-blocking: fills the queue
      fillers.push_back(std::move(*s));
    }
  }
  int port() const { return lst.local_endpoint()->port(); }
  void free(loop& l) {
    fillers.clear();
    spawn(l, accept_all(lst, accepted, stop_accepting.get_token()));
  }
  void close() {
    stop_accepting.request_stop();
    accepted.clear();
  }
};

void after(loop& l, std::chrono::milliseconds d, std::function<void()> fn) {
  spawn(l, [&l, d, fn = std::move(fn)]() -> task<void> {
    co_await sleep_for(l, d);
    fn();
  });
}

}  // namespace

TEST_CASE("a refused IPv6 address falls back to IPv4, with the attempt events in order") {
  loop l;
  std::vector<std::string> log;
  std::optional<std::vector<std::string>> attempted;
  std::string remote;
  bool asked_all = false;
  int port = 0;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    port = test::port_of(*srv);
    net::connect_options o{.port = port, .host = "dual.test", .auto_select_family = true};
    o.lookup = answer_with(l, {{"::1", 6}, {"127.0.0.1", 4}}, &asked_all);
    auto c = net::connect(l, o);
    record(*c, log);
    c->on<"connect">([&, c] {
      attempted = c->auto_select_family_attempted_addresses();
      remote = c->remote_address();
    });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(asked_all);
  CHECK(log ==
        std::vector<std::string>{"attempt ::1 v6", "failed ::1 ECONNREFUSED", "attempt 127.0.0.1 v4", "connect"});
  REQUIRE(attempted.has_value());
  CHECK(*attempted == std::vector<std::string>{"::1:" + std::to_string(port), "127.0.0.1:" + std::to_string(port)});
  CHECK(remote == "127.0.0.1");
}

TEST_CASE("when every attempt fails, one aggregate error holds each attempt's error") {
  loop l;
  const int port = refused_port(l);
  std::vector<std::string> log;
  net::error_info seen;
  int errors = 0;
  bool had_error = false;
  net::connect_options o{.port = port, .host = "nowhere.test", .auto_select_family = true};
  o.lookup = answer_with(l, {{"127.0.0.1", 4}, {"::1", 6}});
  auto c = net::connect(l, o);
  record(*c, log);
  c->on<"error">([&](const net::error_info& e) {
    ++errors;
    seen = e;
  });
  c->on<"close">([&](bool e) { had_error = e; });
  test::run_bounded(l);
  CHECK(errors == 1);
  CHECK(had_error);
  CHECK(log == std::vector<std::string>{"attempt 127.0.0.1 v4", "failed 127.0.0.1 ECONNREFUSED", "attempt ::1 v6",
                                        "failed ::1 ECONNREFUSED"});
  CHECK(seen.code == "ECONNREFUSED");  // Node's NodeAggregateError: the first error's code
  CHECK(seen.message.empty());
  REQUIRE(seen.errors.size() == 2);
  CHECK(seen.errors[0].message == "connect ECONNREFUSED 127.0.0.1:" + std::to_string(port));
  CHECK(seen.errors[1].message == "connect ECONNREFUSED ::1:" + std::to_string(port));
  CHECK(seen.errors[1].syscall == "connect");
  CHECK(seen.errors[1].port == port);
}

TEST_CASE("attempts interleave the families, the first answer's family first, each address once") {
  loop l;
  const int port = refused_port(l);
  std::vector<std::string> log;
  std::vector<std::string> lookups;
  std::optional<std::vector<std::string>> attempted;
  net::error_info seen;
  net::connect_options o{.port = port, .host = "many.test", .auto_select_family = true};
  o.lookup = answer_with(l, {{"::1", 6}, {"::ffff:127.0.0.2", 6}, {"127.0.0.1", 4}, {"::1", 6}, {"127.0.0.2", 4}});
  auto c = net::connect(l, o);
  record(*c, log);
  c->on<"lookup">(
      [&](const net::error_info*, std::string_view ip, int, std::string_view) { lookups.emplace_back(ip); });
  c->on<"error">([&](const net::error_info& e) { seen = e; });
  c->on<"close">([&, c](bool) { attempted = c->auto_select_family_attempted_addresses(); });
  test::run_bounded(l);
  CHECK(lookups.size() == 5);  // one `lookup` event per answer, as Node emits them
  CHECK(log == std::vector<std::string>{"attempt ::1 v6", "failed ::1 ECONNREFUSED", "attempt 127.0.0.1 v4",
                                        "failed 127.0.0.1 ECONNREFUSED", "attempt ::ffff:127.0.0.2 v6",
                                        "failed ::ffff:127.0.0.2 ECONNREFUSED", "attempt 127.0.0.2 v4",
                                        "failed 127.0.0.2 ECONNREFUSED"});
  const std::string p = ":" + std::to_string(port);
  REQUIRE(attempted.has_value());
  CHECK(*attempted == std::vector<std::string>{"::1" + p, "127.0.0.1" + p, "::ffff:127.0.0.2" + p, "127.0.0.2" + p});
  CHECK(seen.errors.size() == 4);
}

TEST_CASE("a blocked address is one failed attempt; the next address connects") {
  loop l;
  net::block_list blocked;
  blocked.add_address("127.0.0.2");
  std::vector<std::string> log;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    net::connect_options o{
        .port = test::port_of(*srv), .host = "blocked.test", .block_list = &blocked, .auto_select_family = true};
    o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.1", 4}});
    auto c = net::connect(l, o);
    record(*c, log);
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(log == std::vector<std::string>{"attempt 127.0.0.2 v4", "failed 127.0.0.2 ERR_IP_BLOCKED",
                                        "attempt 127.0.0.1 v4", "connect"});
}

TEST_CASE("one address, or the option off: a plain connect, attempted addresses only with the option") {
  loop l;
  std::vector<std::string> log_on;
  std::vector<std::string> log_off;
  std::optional<std::vector<std::string>> with;
  std::optional<std::vector<std::string>> without{std::vector<std::string>{}};
  bool asked_all_off = true;
  int port = 0;
  int closes = 0;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    port = test::port_of(*srv);
    net::connect_options on{.port = port, .host = "one.test", .auto_select_family = true};
    on.lookup = answer_with(l, {{"127.0.0.1", 4}});
    auto a = net::connect(l, on);
    record(*a, log_on);
    a->on<"connect">([&, a] { with = a->auto_select_family_attempted_addresses(); });
    net::connect_options off{.port = port, .host = "one.test", .auto_select_family = false};
    off.lookup = answer_with(l, {{"::1", 6}, {"127.0.0.1", 4}}, &asked_all_off);
    auto b = net::connect(l, off);
    record(*b, log_off);
    b->on<"error">([](const net::error_info&) {});
    b->on<"close">([&, b](bool) { without = b->auto_select_family_attempted_addresses(); });
    for (auto* s : {a.get(), b.get()})
      s->on<"close">([&](bool) {
        if (++closes == 2) srv->close();
      });
  });
  test::run_bounded(l);
  CHECK(log_on == std::vector<std::string>{"attempt 127.0.0.1 v4", "connect"});
  REQUIRE(with.has_value());
  CHECK(*with == std::vector<std::string>{"127.0.0.1:" + std::to_string(port)});
  CHECK_FALSE(asked_all_off);
  CHECK(log_off == std::vector<std::string>{"attempt ::1 v6", "failed ::1 ECONNREFUSED"});  // the first answer only
  CHECK_FALSE(without.has_value());
}

TEST_CASE("race (RFC 8305): a slow first address still wins after the next one started") {
  loop l;
  black_hole slow(l, "127.0.0.2", 0);
  const int port = slow.port();
  std::vector<std::string> log;
  std::string remote;
  net::connect_options o{.port = port,
                         .host = "slow.test",
                         .auto_select_family = true,
                         .auto_select_family_attempt_timeout = 20,
                         .happy_eyeballs = net::eyeballs::race};
  o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});  // nothing listens on 127.0.0.3
  auto c = net::connect(l, o);
  record(*c, log);
  c->on<"connect">([&, c] {
    remote = c->remote_address();
    c->destroy();
  });
  c->on<"close">([&](bool) { slow.close(); });
  after(l, 100ms, [&] { slow.free(l); });
  test::run_bounded(l, 8s);
  CHECK(log == std::vector<std::string>{"attempt 127.0.0.2 v4", "timeout 127.0.0.2", "attempt 127.0.0.3 v4",
                                        "failed 127.0.0.3 ECONNREFUSED", "connect"});
  CHECK(remote == "127.0.0.2");
}

TEST_CASE("race: once one attempt connects, the attempts still pending are stopped and their descriptors closed") {
  loop l;
  black_hole slow(l, "127.0.0.2", 0);  // never answers the first attempt's SYN
  auto fast = test::listen(l, *endpoint::ip("127.0.0.3", static_cast<std::uint16_t>(slow.port())));
  const int fds_ready = test::open_fd_count();
  std::vector<std::string> log;
  std::string remote;
  int fds_at_connect = 0, fds_after = 0;
  net::connect_options o{.port = slow.port(),
                         .host = "race.test",
                         .auto_select_family = true,
                         .auto_select_family_attempt_timeout = 20,
                         .happy_eyeballs = net::eyeballs::race};
  o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});
  auto c = net::connect(l, o);
  record(*c, log);
  c->on<"connect">([&, c] {
    remote = c->remote_address();
    fds_at_connect = test::open_fd_count();
    after(l, 20ms, [&, c] {
      fds_after = test::open_fd_count();  // the loser had its turn to close
      c->destroy();
    });
  });
  c->on<"close">([&](bool) { slow.close(); });
  test::run_bounded(l, 5s);
  CHECK(log ==
        std::vector<std::string>{"attempt 127.0.0.2 v4", "timeout 127.0.0.2", "attempt 127.0.0.3 v4", "connect"});
  CHECK(remote == "127.0.0.3");
  CHECK(fds_at_connect >= fds_ready + 1);
  CHECK(fds_after == fds_ready + 1);  // the winner only: the pending loser was closed
  CHECK(test::open_fd_count() == fds_ready);
}

TEST_CASE("abandon (Node): the same slow first address is given up, and the error says so") {
  loop l;
  black_hole slow(l, "127.0.0.2", 0);
  const int port = slow.port();
  std::vector<std::string> log;
  net::error_info seen;
  net::connect_options o{.port = port,
                         .host = "slow.test",
                         .auto_select_family = true,
                         .auto_select_family_attempt_timeout = 20,
                         .happy_eyeballs = net::eyeballs::abandon};
  o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});
  auto c = net::connect(l, o);
  record(*c, log);
  c->on<"error">([&](const net::error_info& e) { seen = e; });
  c->on<"close">([&](bool) { after(l, 100ms, [&] { slow.close(); }); });
  after(l, 100ms, [&] { slow.free(l); });
  test::run_bounded(l, 8s);
  CHECK(log == std::vector<std::string>{"attempt 127.0.0.2 v4", "timeout 127.0.0.2", "attempt 127.0.0.3 v4",
                                        "failed 127.0.0.3 ECONNREFUSED"});
  CHECK(seen.code == "ETIMEDOUT");
  REQUIRE(seen.errors.size() == 2);
  CHECK(seen.errors[0].message == "connect ETIMEDOUT 127.0.0.2:" + std::to_string(port));
  CHECK(seen.errors[1].code == "ECONNREFUSED");
  CHECK(slow.accepted.size() <= 1);  // at most the filler: the abandoned attempt never arrived
}

TEST_CASE("race is bounded: one delay after the last attempt started, with the rest failed, ETIMEDOUT") {
  loop l;
  black_hole slow(l, "127.0.0.2", 0);
  std::vector<std::string> log;
  net::error_info seen;
  net::connect_options o{.port = slow.port(),
                         .host = "slow.test",
                         .auto_select_family = true,
                         .auto_select_family_attempt_timeout = 50,
                         .happy_eyeballs = net::eyeballs::race};
  o.lookup = answer_with(l, {{"127.0.0.3", 4}, {"127.0.0.2", 4}});  // refused, then the black hole
  auto c = net::connect(l, o);
  record(*c, log);
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  c->on<"error">([&](const net::error_info& e) {
    seen = e;
    took = std::chrono::steady_clock::now() - started;
  });
  c->on<"close">([&](bool) { slow.close(); });
  test::run_bounded(l, 5s);
  CHECK(log ==
        std::vector<std::string>{"attempt 127.0.0.3 v4", "failed 127.0.0.3 ECONNREFUSED", "attempt 127.0.0.2 v4"});
  CHECK(seen.name == "AggregateError");
  REQUIRE(seen.errors.size() == 2);
  CHECK(seen.errors[1].code == "ETIMEDOUT");
  CHECK(took >= 50ms);
  CHECK(took < 1s);  // not the kernel's connect timeout
}

TEST_CASE("destroy() mid-race closes every attempt's descriptor") {
  const int fds_before = test::open_fd_count();
  {
    loop l;
    black_hole a(l, "127.0.0.2", 0);
    black_hole b(l, "127.0.0.3", a.port());
    const int fds_ready = test::open_fd_count();
    std::vector<std::string> log;
    bool closed = false;
    int fds_during = 0;
    net::connect_options o{
        .port = a.port(), .host = "holes.test", .auto_select_family = true, .auto_select_family_attempt_timeout = 10};
    o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});
    auto c = net::connect(l, o);
    record(*c, log);
    c->on<"close">([&](bool had_error) {
      closed = true;
      CHECK_FALSE(had_error);
    });
    after(l, 60ms, [&, c] {
      fds_during = test::open_fd_count();
      c->destroy();
    });
    test::run_bounded(l, 5s);
    CHECK(closed);
    CHECK(fds_during == fds_ready + 2);  // both attempts were open together
    CHECK(log == std::vector<std::string>{"attempt 127.0.0.2 v4", "timeout 127.0.0.2", "attempt 127.0.0.3 v4"});
    CHECK(test::open_fd_count() == fds_ready);
  }
  CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("a signal mid-race aborts the socket and closes every attempt's descriptor") {
  loop l;
  black_hole a(l, "127.0.0.2", 0);
  black_hole b(l, "127.0.0.3", a.port());
  const int fds_ready = test::open_fd_count();
  std::stop_source abort;
  std::string code;
  auto c = net::socket::create(l, {.signal = abort.get_token()});
  net::connect_options o{
      .port = a.port(), .host = "holes.test", .auto_select_family = true, .auto_select_family_attempt_timeout = 10};
  o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});
  c->connect(o);
  c->on<"error">([&](const net::error_info& e) { code = e.code; });
  after(l, 60ms, [&] { abort.request_stop(); });
  test::run_bounded(l, 5s);
  CHECK_FALSE(code.empty());
  CHECK(c->destroyed());
  CHECK(test::open_fd_count() == fds_ready);
}

TEST_CASE("localhost through the resolver pool: every address, and many lookups at once") {
  loop l;
  int connects = 0;
  int closes = 0;
  auto srv = net::create_server(l, [](net::socket& s) { s.end(); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    for (int i = 0; i < 8; ++i) {
      auto c = net::connect(l, {.port = test::port_of(*srv), .host = "localhost", .auto_select_family = true});
      c->on<"connect">([&] { ++connects; });
      c->on<"close">([&](bool) {
        if (++closes == 8) srv->close();
      });
    }
  });
  test::run_bounded(l);
  CHECK(connects == 8);  // ::1 (if /etc/hosts lists it) refuses, 127.0.0.1 answers
}

TEST_CASE("the auto_select_family defaults and their range checks") {
  CHECK(net::get_default_auto_select_family());
  net::set_default_auto_select_family(false);
  CHECK_FALSE(net::get_default_auto_select_family());
  net::set_default_auto_select_family(true);

  CHECK(net::get_default_auto_select_family_attempt_timeout() == 250);
  net::set_default_auto_select_family_attempt_timeout(5);
  CHECK(net::get_default_auto_select_family_attempt_timeout() == 10);
  net::set_default_auto_select_family_attempt_timeout(40);
  CHECK(net::get_default_auto_select_family_attempt_timeout() == 40);
  for (int bad : {0, -10}) {
    try {
      net::set_default_auto_select_family_attempt_timeout(bad);
      FAIL("no throw");
    } catch (const net::error& e) {
      CHECK(e.code_name() == "ERR_OUT_OF_RANGE");
      CHECK(std::string(e.what()) ==
            "The value of \"value\" is out of range. It must be >= 1 && <= 2147483647. Received " +
                std::to_string(bad));
    }
  }
  CHECK(net::get_default_auto_select_family_attempt_timeout() == 40);
  net::set_default_auto_select_family_attempt_timeout(250);

  loop l;
  auto s = net::socket::create(l);
  try {
    s->connect({.port = 80, .auto_select_family = true, .auto_select_family_attempt_timeout = 0});
    FAIL("no throw");
  } catch (const net::error& e) {
    CHECK(e.code_name() == "ERR_OUT_OF_RANGE");
    CHECK(std::string(e.what()) ==
          "The value of \"options.autoSelectFamilyAttemptTimeout\" is out of range. It must be >= 1 && <= "
          "2147483647. Received 0");
  }
  CHECK_FALSE(s->connecting());
}

TEST_CASE("unref() mid-race unrefs the running attempts: the loop ends without waiting for them") {
  loop l;
  black_hole a(l, "127.0.0.2", 0);
  black_hole b(l, "127.0.0.3", a.port());
  std::vector<std::string> log;
  net::connect_options o{
      .port = a.port(), .host = "holes.test", .auto_select_family = true, .auto_select_family_attempt_timeout = 10};
  o.lookup = answer_with(l, {{"127.0.0.2", 4}, {"127.0.0.3", 4}});
  auto c = net::connect(l, o);
  record(*c, log);
  after(l, 60ms, [c] { c->unref(); });  // both attempts are pending by now
  const auto started = std::chrono::steady_clock::now();
  test::run_bounded(l, 5s);  // referenced attempts would keep it past the bound
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  CHECK(log == std::vector<std::string>{"attempt 127.0.0.2 v4", "timeout 127.0.0.2", "attempt 127.0.0.3 v4"});
  CHECK(c->connecting());
  c->destroy();
}
