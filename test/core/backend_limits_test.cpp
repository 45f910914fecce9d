// The backends' hard paths, forced through loop_options: a provided-buffer
// ring of two buffers under a hundred busy connections (ENOBUFS, re-arm), a
// submission queue of four entries (full: submit early and retry), and a
// completion queue so small that it overflows (multishot requests end
// without IORING_CQE_F_MORE and are armed again). Every byte is verified.
// On Asio the options mean little; the same traffic must pass anyway.
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/spawn.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/timer.hpp>

#include <doctest/doctest.h>

#include "../half_close_driver.hpp"
#include "../test_util.hpp"

using namespace coronet;

namespace {

task<void> serve(loop& l, listener& srv) {
  for (;;) {
    auto [ec, s] = co_await srv.accept();
    if (ec) co_return;  // closed once every client is done
    spawn(l, test::echo_until_end(std::move(s)));
  }
}

// `clients` connections at once, each sending `n` bytes through an echo on
// the same loop and checking them all. Returns how many came back wrong.
int echo_many(loop_options o, int clients, std::size_t n) {
  loop l(o);
  auto srv = test::listen(l, endpoint::loopback(AF_INET, 0), {.backlog = 1024});
  auto at = *srv.local_endpoint();
  spawn(l, serve(l, srv));
  int failed = 0, done = 0;
  for (int i = 0; i < clients; ++i) {
    spawn(l, [&, i]() -> task<void> {
      auto r = co_await test::half_close_round(l, at, n, static_cast<std::uint32_t>(i));
      if (!r.verified(n)) {
        ++failed;
        MESSAGE("client " << i << ": got " << r.received << " of " << n << (r.eof ? " then EOF " : " ") << r.error);
      }
      if (++done == clients) srv.close();
    });
  }
  bool timed_out = false;
  deadline guard(l, [&] {
    timed_out = true;
    l.stop();
  });
  guard.expires_after(std::chrono::seconds(60));
  l.run();
  CHECK_FALSE(timed_out);
  CHECK(done == clients);
  return failed;
}

}  // namespace

// Options built field by field: g++ 12 warns about the fields a designated
// initializer leaves out (-Wmissing-field-initializers), and the backend
// stays unset so that $CORONET_BACKEND picks it.
static loop_options tiny(unsigned queue_depth, unsigned cq_depth, unsigned buffer_size, unsigned buffer_count) {
  loop_options o;
  if (queue_depth) o.queue_depth = queue_depth;
  o.completion_queue_depth = cq_depth;
  if (buffer_size) o.receive_buffer_size = buffer_size;
  if (buffer_count) o.receive_buffer_count = buffer_count;
  return o;
}

TEST_CASE("two receive buffers serve a hundred busy connections") {
  CHECK(echo_many(tiny(0, 0, 4096, 2), 100, 96 * 1024) == 0);
}

TEST_CASE("a submission queue of four entries loses no operation") {
  CHECK(echo_many(tiny(4, 0, 0, 0), 100, 64 * 1024) == 0);
}

TEST_CASE("an overflowing completion queue ends multishot requests, which are armed again") {
  CHECK(echo_many(tiny(4, 4, 0, 0), 100, 64 * 1024) == 0);
}

TEST_CASE("all three at once") { CHECK(echo_many(tiny(4, 4, 1024, 2), 100, 32 * 1024) == 0); }
