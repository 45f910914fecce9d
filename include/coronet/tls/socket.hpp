// tls::socket: Node's tls.TLSSocket. It IS a net::socket (every event and
// method carries over: data, end, close, drain, timeout, pause/resume,
// set_timeout, write callbacks, half-close) whose byte stream passes
// through OpenSSL. Writes made before the handshake is done are held and
// go out, encrypted, once it is; `data` carries plaintext.
//
//     auto s = tls::connect(l, {.port = 443, .host = "example.com"}, [&] {
//       std::printf("%s %s\n", s->get_protocol().c_str(), s->alpn_protocol().c_str());
//     });
//
// More events: secureConnect (a client's handshake is done and verified),
// keylog (NSS key log lines, for Wireshark), session (a ticket the client
// may resume with: pass it as connect_options::session).
#pragma once

#include <coronet/net/socket.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/with_events.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::tls {

// Node's certificate object, the fields people use.
struct peer_certificate {
  std::map<std::string, std::string> subject{};  // {"CN": "localhost", "O": ...}
  std::map<std::string, std::string> issuer{};
  std::string subjectaltname{};  // "DNS:localhost, IP Address:127.0.0.1"
  std::string valid_from{};      // "Sep  3 21:40:37 2026 GMT"
  std::string valid_to{};
  std::string fingerprint256{};  // "AB:CD:..."
  std::string serial_number{};   // upper-case hex
  std::string raw{};             // DER
};

// Node's getCipher(): { name, standardName, version }.
struct cipher_info {
  std::string name{};
  std::string standard_name{};
  std::string version{};
};

// tls.checkServerIdentity(hostname, cert): nothing, or the
// ERR_TLS_CERT_ALTNAME_INVALID error, with Node's reason in the message.
std::optional<net::error_info> check_server_identity(std::string_view hostname, const peer_certificate& cert);

using socket_tls_events =
    net::event_emitter<net::event<"secureConnect", void()>, net::event<"keylog", void(std::string_view)>,
                       net::event<"session", void(std::string_view)>>;

namespace detail {
class engine;
struct role;
}  // namespace detail

class server;

class socket : public with_events<net::socket, socket_tls_events> {
 public:
  socket(private_tag, loop& l, net::socket_options options, const detail::role& role);
  ~socket();
  // (tls::connect and tls::server make these; a role is theirs to build.)
  static std::shared_ptr<socket> create(loop& l, net::socket_options options, const detail::role& role);

  // authorized: the peer's certificate verified (and, for a client, matched
  // the host name). authorization_error: why not ("CERT_HAS_EXPIRED", ...).
  bool authorized() const noexcept { return authorized_; }
  const std::optional<net::error_info>& authorization_error() const noexcept { return authorization_error_; }
  // The protocol ALPN chose; empty for Node's `false`.
  const std::string& alpn_protocol() const noexcept { return alpn_protocol_; }
  // The name the client asked for (SNI); on a client, the one it sent.
  const std::string& servername() const noexcept { return servername_; }
  // "TLSv1.3", "TLSv1.2"; empty before the handshake is done.
  std::string get_protocol() const;
  std::optional<cipher_info> get_cipher() const;
  std::optional<peer_certificate> get_peer_certificate() const;
  std::optional<peer_certificate> get_certificate() const;  // our own
  // The session (DER) to resume with; empty when there is none.
  std::string get_session() const;
  bool is_session_reused() const;
  static constexpr bool encrypted = true;
  // As net::socket's, but a pause before the handshake is done lets the
  // handshake finish (as Node's TLSSocket does): secureConnect or
  // secureConnection then fires paused, and only plaintext waits for
  // resume(). (A pause through a net::socket& is caught too, when it comes
  // before the connection opens or in the same turn, as in `connection`.)
  socket& pause();
  socket& resume();
  bool is_paused() const noexcept;
  // The OpenSSL SSL*, for settings coronet does not wrap.
  void* native_handle() const noexcept;

 private:
  friend class detail::engine;
  friend class server;

  detail::engine& engine() const noexcept;

  bool authorized_ = false;
  std::optional<net::error_info> authorization_error_{};
  std::string alpn_protocol_{};
  std::string servername_{};
};

}  // namespace coronet::tls
