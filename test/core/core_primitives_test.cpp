// The core primitives the layers above build on: notifier, deferred_call,
// the descriptor functions and stream_socket's binding, last-write and
// option calls.
#include <coronet/deferred_call.hpp>
#include <coronet/descriptor.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/notifier.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "../test_util.hpp"

using namespace coronet;

namespace {
// A free coroutine, not a lambda: g++ 12 copies an awaiter captured by
// reference in a lambda coroutine, and a notifier cannot be copied.
task<void> wait_then_log(notifier& n, std::vector<std::string>& log) {
  co_await n;
  log.push_back("woken");
}
}  // namespace

TEST_CASE("a notifier wakes its waiter in the next turn, never inside notify()") {
  loop l;
  notifier n(l);
  std::vector<std::string> log;
  spawn(l, wait_then_log(n, log));
  l.post([&] {
    n.notify();
    n.notify();  // a second notify before the wake is the same wake
    log.push_back("notified");
  });
  l.run();
  CHECK(log == std::vector<std::string>{"notified", "woken"});
}

TEST_CASE("a notify() with nobody waiting is kept for the next wait") {
  loop l;
  notifier n(l);
  n.notify();
  std::vector<std::string> log;
  spawn(l, wait_then_log(n, log));
  l.run();  // a lost notify would leave the waiter asleep and the log empty
  CHECK(log == std::vector<std::string>{"woken"});
}

TEST_CASE("a notifier destroyed with its wake queued takes the wake out of the loop") {
  loop l;
  {
    notifier n(l);
    n.await_suspend(std::noop_coroutine());  // stands in for a waiting coroutine
    n.notify();                              // queued for the next turn
  }
  // Had the wake stayed queued, this turn would run it from freed memory
  // (AddressSanitizer says so) and report work left.
  CHECK_FALSE(l.run_once());
}

TEST_CASE("a deferred_call runs once in the next turn however often it is scheduled") {
  loop l;
  int runs = 0;
  deferred_call call(
      l, [](void* p) noexcept { ++*static_cast<int*>(p); }, &runs);
  call.schedule();
  call.schedule();
  CHECK(call.scheduled());
  CHECK(runs == 0);
  l.run();
  CHECK(runs == 1);
  CHECK_FALSE(call.scheduled());
  call.schedule();  // and again after it ran
  l.run();
  CHECK(runs == 2);
}

TEST_CASE("a cancelled or destroyed deferred_call does not run") {
  loop l;
  int runs = 0;
  deferred_call kept(
      l, [](void* p) noexcept { ++*static_cast<int*>(p); }, &runs);
  kept.schedule();
  kept.cancel();
  {
    deferred_call gone(
        l, [](void* p) noexcept { ++*static_cast<int*>(p); }, &runs);
    gone.schedule();
  }
  l.run();
  CHECK(runs == 0);
}

TEST_CASE("guess_descriptor tells TCP, Unix stream, UDP, files and the rest apart") {
  int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  int udp = ::socket(AF_INET6, SOCK_DGRAM, 0);
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  int unix_dgram = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  int file = ::open("/dev/null", O_RDONLY);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  CHECK(guess_descriptor(tcp) == descriptor_kind::tcp);
  CHECK(guess_descriptor(udp) == descriptor_kind::udp);
  CHECK(guess_descriptor(pair[0]) == descriptor_kind::unix_stream);
  CHECK(guess_descriptor(unix_dgram) == descriptor_kind::unknown);
  CHECK(guess_descriptor(file) == descriptor_kind::file);
  CHECK(guess_descriptor(pipe_fds[0]) == descriptor_kind::unknown);
  for (int fd : {tcp, udp, pair[0], pair[1], unix_dgram, file, pipe_fds[0], pipe_fds[1]}) close_descriptor(fd);
  CHECK(guess_descriptor(tcp) == descriptor_kind::unknown);  // closed
  CHECK(guess_descriptor(-1) == descriptor_kind::unknown);
}

TEST_CASE("a socket bound by open_bound_socket listens through listen_bound and serves") {
  loop l;
  auto bound = open_bound_socket(endpoint::loopback(AF_INET, 0));
  REQUIRE_FALSE(bound.ec);
  auto at = bound_endpoint(bound.value);
  REQUIRE_FALSE(at.ec);
  CHECK(at->port() != 0);
  auto made = listener::listen_bound(l, bound.value, 16);
  REQUIRE_FALSE(made.ec);
  listener lst = std::move(made.value);
  const std::string got = test::run(l, [&]() -> task<std::string> {
    auto client = co_await connect(l, *at);
    REQUIRE_FALSE(client.ec);
    auto served = co_await lst.accept();
    REQUIRE_FALSE(served.ec);
    const char msg[] = "hello";
    auto wrote = co_await client->write_all(std::as_bytes(std::span(msg, 5)));
    CHECK(wrote.value == 5);
    std::array<std::byte, 16> buf{};
    auto n = co_await served->read_some(buf);
    co_return std::string(reinterpret_cast<const char*>(buf.data()), n.value);
  });
  CHECK(got == "hello");
}

TEST_CASE("open_bound_socket reports a port in use, and listen_bound a bad descriptor") {
  loop l;
  auto first = open_bound_socket(endpoint::loopback(AF_INET, 0));
  REQUIRE_FALSE(first.ec);
  REQUIRE(::listen(first.value, 4) == 0);
  auto second = open_bound_socket(*bound_endpoint(first.value));
  CHECK(second.ec == std::errc::address_in_use);
  close_descriptor(first.value);
  auto bad = listener::listen_bound(l, -1, 4);
  CHECK(bad.ec == std::errc::bad_file_descriptor);
}

TEST_CASE("a Unix socket file gets the permissions asked for, and remove_socket_file removes it") {
  const std::string path = test::temp_socket_path("perm");
  auto at = endpoint::unix_path(path);
  REQUIRE_FALSE(at.ec);
  auto bound = open_bound_socket(*at, {.add_file_permissions = 0666});
  REQUIRE_FALSE(bound.ec);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0666) == 0666);
  close_descriptor(bound.value);
  CHECK_FALSE(remove_socket_file(path));
  CHECK(::stat(path.c_str(), &st) != 0);
  CHECK(remove_socket_file(path) == std::errc::no_such_file_or_directory);
  CHECK_FALSE(remove_socket_file(std::string("\0abstract", 9)));  // no file to remove
  CHECK_FALSE(remove_socket_file(""));
}

TEST_CASE("stream_socket binds before connect, and try_write takes what the kernel takes now") {
  loop l;
  listener lst = test::listen(l, endpoint::loopback(AF_INET, 0));
  const auto to = *lst.local_endpoint();
  test::run(l, [&]() -> task<void> {
    auto opened = stream_socket::open(l, AF_INET);
    REQUIRE_FALSE(opened.ec);
    stream_socket client = std::move(opened.value);
    CHECK_FALSE(client.bind(endpoint::loopback(AF_INET, 0)));
    auto local = client.local_endpoint();
    REQUIRE_FALSE(local.ec);
    CHECK(local->address() == "127.0.0.1");
    const std::uint16_t bound_port = local->port();
    CHECK(bound_port != 0);
    CHECK_FALSE(co_await client.connect(to));
    CHECK(client.local_endpoint()->port() == bound_port);
    auto served = co_await lst.accept();
    REQUIRE_FALSE(served.ec);

    // Nobody reads: the kernel's buffers fill and try_write says 0, not an error.
    std::vector<std::byte> chunk(64 * 1024, std::byte{'x'});
    std::size_t total = 0;
    bool filled = false;
    for (int i = 0; i < 4096 && !filled; ++i) {
      auto n = client.try_write(chunk);
      REQUIRE_FALSE(n.ec);
      total += n.value;
      filled = n.value == 0;
    }
    CHECK(filled);
    // Every byte it said it took arrives.
    client.shutdown();
    std::size_t received = 0;
    std::vector<std::byte> buf(64 * 1024);
    for (;;) {
      auto n = co_await served->read_some(buf);
      REQUIRE_FALSE(n.ec);
      if (n.value == 0) break;
      for (std::size_t i = 0; i < n.value; ++i) REQUIRE(buf[i] == std::byte{'x'});
      received += n.value;
    }
    CHECK(received == total);
  });
}

TEST_CASE("try_write, bind and the options on a closed stream_socket say EBADF") {
  stream_socket closed;
  const char b = 'x';
  CHECK(closed.try_write(std::as_bytes(std::span(&b, 1))).ec == std::errc::bad_file_descriptor);
  CHECK(closed.bind(endpoint::loopback(AF_INET, 0)) == std::errc::bad_file_descriptor);
  CHECK(closed.set_type_of_service(0x10) == std::errc::bad_file_descriptor);
  CHECK(closed.type_of_service().ec == std::errc::bad_file_descriptor);
  CHECK(closed.set_keep_alive_probes(std::chrono::seconds(5), 3) == std::errc::bad_file_descriptor);
}

TEST_CASE("type of service and keep-alive probes reach the socket, on IPv4 and IPv6") {
  loop l;
  for (int family : {AF_INET, AF_INET6}) {
    CAPTURE(family);
    auto opened = stream_socket::open(l, family);
    REQUIRE_FALSE(opened.ec);
    stream_socket s = std::move(opened.value);
    REQUIRE_FALSE(s.bind(endpoint::loopback(family, 0)));  // getsockname tells the family
    CHECK_FALSE(s.set_type_of_service(0x10));
    CHECK(s.type_of_service().value == 0x10);
    CHECK_FALSE(s.set_keep_alive(true, std::chrono::seconds(30)));
    CHECK_FALSE(s.set_keep_alive_probes(std::chrono::seconds(7), 4));
    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &v, &len);
    CHECK(v == 7);
    ::getsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &v, &len);
    CHECK(v == 4);
  }
}
