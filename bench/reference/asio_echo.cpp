// asio_echo: the echo server a C++ user would write today with Boost.Asio's
// C++20 coroutines (use_awaitable), one io_context on one thread. Errors come
// back as tuples instead of exceptions, as a careful user would write it.
//
//   asio_echo PORT        listens on 127.0.0.1:PORT
#include <boost/asio.hpp>

#include <array>
#include <cstdlib>

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> echo(tcp::socket s) {
  s.set_option(tcp::no_delay(true));
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), as_tuple);
    if (ec) co_return;  // end of stream or error
    auto [wec, written] = co_await asio::async_write(s, asio::buffer(buf.data(), n), as_tuple);
    if (wec) co_return;
  }
}

asio::awaitable<void> serve(unsigned short port) {
  auto ex = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(ex, {asio::ip::address_v4::loopback(), port});
  for (;;) {
    auto [ec, s] = co_await acceptor.async_accept(as_tuple);
    if (!ec) asio::co_spawn(ex, echo(std::move(s)), asio::detached);
  }
}

int main(int argc, char** argv) {
  asio::io_context io(1);  // one thread: Asio may skip its locks
  asio::co_spawn(io, serve(static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 7000)), asio::detached);
  io.run();
}
