// echo: a TCP or Unix socket echo server on coronet's coroutine core.
//
// Shows: listener::listen, accept in a loop, one coroutine per connection,
// receive() into loop-owned buffers, write_all, one loop per thread with
// --threads N (SO_REUSEPORT), and a clean stop on SIGINT/SIGTERM. Try it:
//     ./echo --port 7000            then   nc 127.0.0.1 7000
//     ./echo --path /tmp/echo.sock  then   nc -U /tmp/echo.sock
//     ./echo --info                 which backend runs here, and why
#include <coronet/backend_info.hpp>
#include <coronet/coronet.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace coronet;

task<void> echo(stream_socket s) {
  for (;;) {
    auto [ec, chunk] = co_await s.receive();
    if (ec || chunk.empty()) co_return;  // error, or the peer ended its side
    if ((co_await s.write_all(chunk.bytes())).ec) co_return;
  }
}

task<void> serve(loop& l, listener& server) {
  for (bool failing = false;;) {
    auto [ec, s] = co_await server.accept();
    if (ec == std::errc::operation_canceled || ec == std::errc::bad_file_descriptor) co_return;  // stopping
    // Out of descriptors (EMFILE): waiting clients were dropped; say so once.
    if (ec && !std::exchange(failing, true)) std::fprintf(stderr, "echo: accept: %s\n", ec.message().c_str());
    if (ec) continue;
    failing = false;
    // Every server it is compared with turns Nagle off: a reply that leaves
    // in two writes must not wait for the peer's delayed ACK. (Fails
    // harmlessly on Unix sockets.)
    s.set_no_delay(true);
    spawn(l, echo(std::move(s)));
  }
}

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path;
  int port = 7000, threads = 1;
  if (argc == 2 && std::string_view(argv[1]) == "--info")
    return std::fputs(to_string(probe_backends()).c_str(), stdout), 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--host")
      host = argv[i + 1];
    else if (flag == "--port")
      port = std::atoi(argv[i + 1]);
    else if (flag == "--path")
      path = argv[i + 1];
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else
      return std::fprintf(stderr, "usage: echo [--host H] [--port P] [--path UNIX_PATH] [--threads N] | --info\n"), 2;
  }
  auto at = path.empty() ? endpoint::ip(host, static_cast<std::uint16_t>(port)) : endpoint::unix_path(path);
  if (!at) return std::fprintf(stderr, "echo: bad address: %s\n", at.ec.message().c_str()), 2;
  if (threads < 1 || (threads > 1 && (!path.empty() || port == 0)))
    return std::fprintf(stderr, "echo: --threads N > 1 needs a fixed TCP port to share\n"), 2;

  sigset_t stop_signals;  // blocked in every thread; main waits for them with sigwait
  sigemptyset(&stop_signals), sigaddset(&stop_signals, SIGINT), sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::mutex m;
  std::vector<std::pair<loop*, listener*>> running;  // for the stop
  std::latch started(threads);
  std::vector<std::thread> pool;
  int status = 0;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      loop l;  // one loop per thread, each with its own listener on the port
      auto listening = listener::listen(l, *at, {.reuse_port = threads > 1});
      listener server = std::move(listening.value);
      {
        std::lock_guard lock(m);
        if (listening) {
          running.emplace_back(&l, &server);
          if (i == 0)
            std::printf("echo listening on %s (%s backend, %d threads)\n", server.local_endpoint()->to_string().c_str(),
                        to_string(l.backend()).data(), threads);
          std::fflush(stdout);
        } else {
          std::fprintf(stderr, "echo: listen %s: %s\n", at->to_string().c_str(), listening.ec.message().c_str());
          status = 1;
          kill(getpid(), SIGTERM);
        }
      }
      started.count_down();
      if (!listening) return;
      spawn(l, serve(l, server));
      l.run();
    });
  }
  started.wait();
  for (int sig = 0; sigwait(&stop_signals, &sig) != 0;) {
  }
  {
    std::lock_guard lock(m);
    for (auto r : running) r.first->post([r] { r.second->close(), r.first->stop(); });
  }
  for (auto& t : pool) t.join();
  if (!path.empty()) ::unlink(path.c_str());
  std::printf("echo stopped\n");
  return status;
}
