// echo: a TCP or Unix socket echo server on coronet's coroutine core.
//
// Shows: listener::listen, accept in a loop, one coroutine per connection,
// receive() into loop-owned buffers, write_all, and a clean stop on
// SIGINT/SIGTERM. Try it:
//     ./echo --port 7000            then   nc 127.0.0.1 7000
//     ./echo --path /tmp/echo.sock  then   nc -U /tmp/echo.sock
#include <coronet/coronet.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

using namespace coronet;

task<void> echo(stream_socket s) {
  for (;;) {
    auto [ec, chunk] = co_await s.receive();
    if (ec || chunk.empty()) co_return;  // error, or the peer ended its side
    if ((co_await s.write_all(chunk.bytes())).ec) co_return;
  }
}

task<void> serve(loop& l, listener& server) {
  for (;;) {
    auto [ec, s] = co_await server.accept();
    if (ec == std::errc::operation_canceled || ec == std::errc::bad_file_descriptor) co_return;  // stopping
    if (!ec) spawn(l, echo(std::move(s)));
  }
}

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path;
  int port = 7000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--host") host = argv[i + 1];
    else if (flag == "--port") port = std::atoi(argv[i + 1]);
    else if (flag == "--path") path = argv[i + 1];
    else return std::fprintf(stderr, "usage: echo [--host H] [--port P] [--path UNIX_PATH]\n"), 2;
  }
  auto at = path.empty() ? endpoint::ip(host, static_cast<std::uint16_t>(port)) : endpoint::unix_path(path);
  if (!at) return std::fprintf(stderr, "echo: bad address: %s\n", at.ec.message().c_str()), 2;

  // Signals go to a waiting thread, which hands the stop to the loop.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  loop l;
  auto listening = listener::listen(l, *at);
  if (!listening) return std::fprintf(stderr, "echo: listen %s: %s\n", at->to_string().c_str(), listening.ec.message().c_str()), 1;
  listener server = std::move(listening.value);
  std::printf("echo listening on %s (%s backend)\n", server.local_endpoint()->to_string().c_str(),
              std::string(to_string(l.backend())).c_str());
  std::fflush(stdout);

  std::thread([&l, &server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    l.post([&l, &server] { server.close(), l.stop(); });
  }).detach();

  spawn(l, serve(l, server));
  l.run();
  if (!path.empty()) ::unlink(path.c_str());
  std::printf("echo stopped\n");
}
