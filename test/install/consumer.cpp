// A program outside the tree, built against the installed coronet with
// `pkg-config --cflags --libs coronet`: one round trip over loopback.
#include <coronet/coronet.hpp>

#include <cstdio>

using namespace coronet;

int main() {
  loop l;
  auto [ec, srv] = listener::listen(l, endpoint::loopback(AF_INET, 0));
  if (ec) return 1;
  bool ok = false;
  spawn(l, [&]() -> task<void> {
    auto [aec, s] = co_await srv.accept();
    auto [rec, chunk] = co_await s.receive();
    co_await s.write_all(chunk.bytes());
  });
  spawn(l, [&]() -> task<void> {
    auto [cec, c] = co_await connect(l, *srv.local_endpoint());
    co_await c.write_all(std::as_bytes(std::span("ping", 4)));
    char buf[4];
    auto [rec, n] = co_await c.read_some(std::as_writable_bytes(std::span(buf)));
    ok = !rec && n == 4;
  });
  l.run();
  std::printf("%s on %s\n", ok ? "round trip ok" : "round trip FAILED", std::string(to_string(l.backend())).c_str());
  return ok ? 0 : 1;
}
