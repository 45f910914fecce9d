// tls::server: Node's tls.Server. It IS a net::server (listen, close,
// address, connections, max_connections, `connection`, `listening`,
// `close`, `error`) whose connections are tls::sockets, plus
//   secureConnection(socket&)  the handshake is done (and a client
//                              certificate checked, with request_cert),
//   tlsClientError(error, socket&)  a connection failed before that: a
//                              plaintext client, garbage, a refused
//                              handshake, ERR_TLS_HANDSHAKE_TIMEOUT; the
//                              socket is destroyed, the server serves on,
//   keylog(line, socket&)      NSS key log lines.
//
// add_context(hostname, context) is Node's server.addContext: without an
// sni_callback, a client whose servername matches `hostname` gets that
// context's certificate, any other the server's own. In `hostname` a '*'
// stands for any run of characters but '.', so "*.example.com" matches
// "www.example.com" (and ".example.com", as in Node) but neither
// "example.com" nor "a.b.example.com"; names compare without regard to
// case. Among the contexts that match, the one added last wins. A context
// added while the server runs counts from the next handshake on. An empty
// hostname throws tls::error ERR_TLS_REQUIRED_SERVER_NAME; the options form
// throws as create_secure_context does.
//
//     srv->add_context("*.example.com", {.key = "wild.key", .cert = "wild.crt"});
//
// sni_callback is Node's SNICallback(servername, cb): called once per
// connection whose ClientHello names a server, before any certificate is
// chosen. Answer done(nullptr, ctx) to serve that context's certificate,
// done(nullptr, nullptr) for the server's own context, or done(&error, {})
// to refuse: the client gets an internal_error alert, the server emits
// tlsClientError with that error and serves on. done may be called at once
// or later, on the loop's thread (the handshake waits, the handshake
// timeout still runs); a second call is ignored. Without a servername it is
// not called. It runs inside OpenSSL's client-hello callback: it must not
// throw.
//
//     o.sni_callback = [&](std::string_view name, tls::sni_done done) {
//       done(nullptr, name == "other.test" ? other_ctx : nullptr);
//     };
//
//     auto srv = tls::create_server(l, {.key = "server.key", .cert = "server.crt"},
//                                   [](tls::socket& s) { s.pipe(s.shared_from_this()); });
//     srv->listen(8443, "127.0.0.1");
#pragma once

#include <coronet/net/server.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/socket.hpp>
#include <coronet/tls/with_events.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::tls {

// The answer to an sni_callback: an error (nullptr: none) and the context to
// use (nullptr: the server's own).
using sni_done = std::function<void(const net::error_info* error, std::shared_ptr<secure_context> context)>;
using sni_callback_fn = std::function<void(std::string_view servername, sni_done done)>;

struct server_options {
  // net.createServer's options.
  bool allow_half_open = false;
  std::size_t high_water_mark = 64 * 1024;
  bool pause_on_connect = false;
  bool no_delay = false;
  bool keep_alive = false;

  // TLS. Without a secure_context one is made from key/cert/ca/ciphers/versions.
  std::shared_ptr<::coronet::tls::secure_context> secure_context{};
  std::string key{};
  std::string cert{};
  std::string ca{};  // to verify client certificates
  std::string passphrase{};
  std::string ciphers{};
  std::string min_version = "TLSv1.2";
  std::string max_version = "TLSv1.3";
  std::vector<std::string> alpn_protocols{};  // no overlap with the client's: the handshake fails
  bool request_cert = false;                  // ask for a client certificate
  // With request_cert: a client without a verified certificate is refused.
  bool reject_unauthorized = true;
  // A client that has not finished its handshake by then is dropped with
  // ERR_TLS_HANDSHAKE_TIMEOUT (tlsClientError); 0 turns it off.
  std::chrono::milliseconds handshake_timeout{120'000};
  // Node's SNICallback: a context per servername (see above).
  sni_callback_fn sni_callback{};
};

using server_tls_events = net::event_emitter<net::event<"secureConnection", void(socket&)>,
                                             net::event<"tlsClientError", void(const net::error_info&, socket&)>,
                                             net::event<"keylog", void(std::string_view, socket&)>>;

namespace detail {
struct role;
}

class server : public with_events<net::server, server_tls_events> {
 public:
  server(private_tag, loop& l, const server_options& options);
  ~server();

  static std::shared_ptr<server> create(loop& l, const server_options& options,
                                        std::function<void(socket&)> on_secure_connection = {});

  const std::shared_ptr<secure_context>& context() const noexcept { return context_; }

  // Node's server.addContext (see above).
  server& add_context(std::string hostname, const secure_context_options& options);
  server& add_context(std::string hostname, std::shared_ptr<secure_context> context);

 private:
  friend class detail::engine;
  std::shared_ptr<net::socket> make_socket(net::socket_options options) override;

  std::shared_ptr<secure_context> context_;
  std::unique_ptr<detail::role> role_;
};

std::shared_ptr<server> create_server(loop& l, const server_options& options,
                                      std::function<void(socket&)> on_secure_connection = {});

}  // namespace coronet::tls
