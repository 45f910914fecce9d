// net_echo: the echo server written with coronet's node:net API, as close
// to Node's own example (net.createServer + socket.pipe(socket)) as C++
// allows. Same flags as samples/echo. Try it:
//     ./net_echo --port 8124            then   nc 127.0.0.1 8124
//     ./net_echo --path /tmp/echo.sock  then   nc -U /tmp/echo.sock
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/timer.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace coronet;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path;
  int port = 8124, threads = 1;
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
      return std::fprintf(stderr, "usage: net_echo [--host H] [--port P] [--path UNIX_PATH] [--threads N]\n"), 2;
  }
  if (threads < 1 || (threads > 1 && (!path.empty() || port == 0)))
    return std::fprintf(stderr, "net_echo: --threads N > 1 needs a fixed TCP port to share\n"), 2;

  sigset_t stop_signals;  // blocked in every thread; main waits for them with sigwait
  sigemptyset(&stop_signals), sigaddset(&stop_signals, SIGINT), sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::mutex m;
  std::vector<std::pair<loop*, std::function<void()>>> running;  // each loop's stop
  bool stopping = false;
  std::vector<std::thread> pool;
  int status = 0;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      loop l;  // one loop per thread, each with its own server on the port
      std::optional<deadline> grace;
      auto server = net::create_server(l, {.no_delay = true}, [](net::socket& c) {
        c.pipe(c.shared_from_this());  // echo: everything read is written back
      });
      server->on<"error">([&](const net::error_info& e) {
        std::fprintf(stderr, "net_echo: %s\n", e.message.c_str());
        if (e.syscall == "accept") return;  // out of descriptors, say: the server keeps serving
        status = 1;                         // listen failed
        kill(getpid(), SIGTERM);
      });
      auto on_listening = [&, i, server] {
        std::lock_guard lock(m);
        if (i == 0) {
          auto a = server->address();
          auto* tcp = std::get_if<net::address_info>(&a);
          std::printf("net_echo listening on %s (%s backend, %d threads)\n",
                      tcp ? (tcp->address + ':' + std::to_string(tcp->port)).c_str() : path.c_str(),
                      to_string(l.backend()).data(), threads);
          std::fflush(stdout);
        }
      };
      if (path.empty()) {
        server->listen({.port = port, .host = host, .reuse_port = threads > 1}, on_listening);
      } else {
        server->listen(path, on_listening);
      }
      // Stopping: no new connections; the loop ends when the last one closes,
      // or after a second of grace for clients that stay connected.
      auto stop = [&l, &grace, server] {
        server->close([&l](const net::error_info*) { l.stop(); });
        grace.emplace(l, [&l] { l.stop(); });
        grace->expires_after(std::chrono::seconds(1));
      };
      {
        std::lock_guard lock(m);
        running.emplace_back(&l, stop);
        if (stopping) l.post(stop);  // a signal came first
      }
      l.run();
    });
  }
  for (int sig = 0; sigwait(&stop_signals, &sig) != 0;) {
  }
  {
    std::lock_guard lock(m);
    stopping = true;
    for (auto& [l, stop] : running) l->post(stop);
  }
  for (auto& t : pool) t.join();
  std::printf("net_echo stopped\n");
  return status;
}
