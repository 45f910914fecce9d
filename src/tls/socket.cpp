// tls::socket: a net::socket carrying the engine, and what it tells of
// the session (protocol, cipher, certificates).
#include <coronet/tls/socket.hpp>

#include "engine.hpp"
#include "ossl.hpp"

namespace coronet::tls {

socket::socket(private_tag tag, loop& l, net::socket_options options, const detail::role& role)
    : with_events(tag, l, std::move(options)) {
  set_stream_layer(std::make_unique<detail::engine>(*this, role));
  // A closed socket lets go of its listeners (as net::socket does for its
  // own events), so one that captured the socket does not keep it alive.
  net::socket::on<"close">([this](bool) { extra_.remove_all_listeners(); });
}

socket::~socket() = default;

std::shared_ptr<socket> socket::create(loop& l, net::socket_options options, const detail::role& role) {
  return create_as<socket>(l, std::move(options), role);
}

detail::engine& socket::engine() const noexcept { return static_cast<detail::engine&>(*get_stream_layer()); }

socket& socket::pause() {
  if (!engine().hold_pause()) net::socket::pause();
  return *this;
}

socket& socket::resume() {
  engine().drop_pause();
  net::socket::resume();
  return *this;
}

bool socket::is_paused() const noexcept { return engine().pause_held() || net::socket::is_paused(); }

void* socket::native_handle() const noexcept { return engine().ssl(); }

std::string socket::get_protocol() const {
  if (!engine().secure()) return {};
  return SSL_get_version(engine().ssl());
}

std::optional<cipher_info> socket::get_cipher() const {
  const SSL_CIPHER* c = engine().secure() ? SSL_get_current_cipher(engine().ssl()) : nullptr;
  if (!c) return std::nullopt;
  const char* standard = SSL_CIPHER_standard_name(c);
  return cipher_info{SSL_CIPHER_get_name(c), standard ? standard : "", SSL_CIPHER_get_version(c)};
}

std::optional<peer_certificate> socket::get_peer_certificate() const {
  X509* peer = SSL_get0_peer_certificate(engine().ssl());
  if (!peer) return std::nullopt;
  return detail::to_peer_certificate(peer);
}

std::optional<peer_certificate> socket::get_certificate() const {
  X509* own = SSL_get_certificate(engine().ssl());
  if (!own) return std::nullopt;
  return detail::to_peer_certificate(own);
}

std::string socket::get_session() const {
  SSL_SESSION* s = SSL_get_session(engine().ssl());
  if (!s || !SSL_SESSION_is_resumable(s)) return {};
  const int len = i2d_SSL_SESSION(s, nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_SSL_SESSION(s, &p);
  return der;
}

bool socket::is_session_reused() const { return SSL_session_reused(engine().ssl()) == 1; }

}  // namespace coronet::tls
