// tls.connect: a net connection, then a TLS handshake; `secureConnect`
// once it is done and the server's certificate checked.
//
//     tls::connect_options o{.port = 8443, .host = "localhost", .ca = "ca.crt"};
//     auto s = tls::connect(l, o, [&] { s->write("hello"); });
//
// With reject_unauthorized (the default) a certificate that does not verify
// or does not match the host name destroys the socket with that error
// ("DEPTH_ZERO_SELF_SIGNED_CERT", "ERR_TLS_CERT_ALTNAME_INVALID", ...);
// without it, `secureConnect` follows and authorized() is false.
//
// With `socket` (Node's option), the TLS stream runs over a net::socket the
// caller already has, e.g. after a plaintext exchange (STARTTLS, an HTTP
// CONNECT). Like Node's JSStreamSocket, coronet relays it: the tls::socket
// talks through a socketpair to a relay that pipes both ways to `socket`,
// so each byte is copied once more and remote_address() is empty. The
// wrapped socket belongs to the tls::socket from then on: its `data` is
// ciphertext; its error destroys the tls::socket with that error; when one
// side closes, the other is ended once its queue is written.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/socket.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace coronet::tls {

struct connect_options {
  // Where to (net.connect's options).
  std::optional<int> port{};
  std::string host = "localhost";
  std::string path{};  // a Unix socket instead of TCP
  int family = 0;
  std::optional<unsigned> timeout{};  // set_timeout(ms) once the socket exists
  bool allow_half_open = false;
  std::size_t high_water_mark = 64 * 1024;
  std::stop_token signal{};  // a stop request destroys the socket (AbortError)
  // Node's `socket`: TLS over this net::socket (connected, or still
  // connecting) instead of a new connection; host then only names the peer
  // for SNI and the certificate check, port and path are not used. See
  // below for what it costs.
  std::shared_ptr<net::socket> socket{};

  // TLS. Without a secure_context one is made from key/cert/ca/ciphers/versions.
  std::shared_ptr<::coronet::tls::secure_context> secure_context{};
  std::string key{};
  std::string cert{};
  std::string ca{};
  std::string passphrase{};
  std::string ciphers{};
  std::string min_version = "TLSv1.2";
  std::string max_version = "TLSv1.3";
  // SNI; empty: the host, unless it is an IP address (as Node does).
  std::string servername{};
  std::vector<std::string> alpn_protocols{};
  bool reject_unauthorized = true;
  // A session from get_session() or the `session` event, to resume.
  std::string session{};
  // Replaces the host-name check (tls.checkServerIdentity by default).
  std::function<std::optional<net::error_info>(std::string_view, const peer_certificate&)> check_server_identity{};
};

std::shared_ptr<socket> connect(loop& l, const connect_options& options, std::function<void()> on_secure = {});

}  // namespace coronet::tls
