// tls_echo: an echo server over TLS with coronet's node:tls API, as close
// to Node's own (tls.createServer + socket.pipe(socket)) as C++ allows.
// Try it (certificates: test/tls/make_certs.sh DIR makes a set):
//     ./tls_echo --key DIR/server.key --cert DIR/server.crt --port 8443
//     openssl s_client -connect 127.0.0.1:8443 -CAfile DIR/ca.crt -quiet
#include <coronet/tls/server.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using namespace coronet;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", key, cert;
  int port = 8443;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--host")
      host = argv[i + 1];
    else if (flag == "--port")
      port = std::atoi(argv[i + 1]);
    else if (flag == "--key")
      key = argv[i + 1];
    else if (flag == "--cert")
      cert = argv[i + 1];
    else
      return std::fprintf(stderr, "usage: tls_echo --key FILE --cert FILE [--host H] [--port P]\n"), 2;
  }
  if (key.empty() || cert.empty()) return std::fprintf(stderr, "tls_echo: --key and --cert are required\n"), 2;

  sigset_t stop_signals;  // blocked here, waited for by one thread that stops the loop
  sigemptyset(&stop_signals), sigaddset(&stop_signals, SIGINT), sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  loop l;
  std::shared_ptr<tls::server> server;
  try {
    server = tls::create_server(l, {.no_delay = true, .key = key, .cert = cert}, [](tls::socket& c) {
      c.pipe(c.shared_from_this());  // echo: everything decrypted is encrypted back
    });
  } catch (const tls::error& e) {  // a key or certificate OpenSSL will not take
    return std::fprintf(stderr, "tls_echo: %s (%s)\n", e.what(), e.code_name().c_str()), 1;
  }
  int status = 0;
  server->on<"tlsClientError">([](const net::error_info& e, tls::socket& s) {
    std::fprintf(stderr, "tls_echo: %s from %s: %s\n", e.code.c_str(), s.remote_address().c_str(), e.message.c_str());
  });
  server->on<"error">([&](const net::error_info& e) {
    std::fprintf(stderr, "tls_echo: %s\n", e.message.c_str());
    status = 1;
    kill(getpid(), SIGTERM);
  });
  server->listen(port, host, 511, [&] {
    auto a = std::get<net::address_info>(server->address());
    std::printf("tls_echo: listening on %s:%d\n", a.address.c_str(), a.port);
    std::fflush(stdout);
  });
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    l.post([&] { l.stop(); });  // the loop's end closes every connection (loop.hpp)
  });
  l.run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // the loop ended by itself: let the waiter go
  waiter.join();
  return status;
}
