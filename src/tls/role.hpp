// What a tls::socket is for: a client of one host, or one of a server's
// connections. Built by tls::connect and tls::server, read by the engine.
#pragma once

#include <coronet/tls/connect.hpp>
#include <coronet/tls/context.hpp>
#include <coronet/tls/server.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::tls::detail {

// The context fields that connect_options and server_options share, for a
// context made from them when the caller gave none.
template <class Options>
secure_context_options context_options_of(const Options& o) {
  return {.key = o.key,
          .cert = o.cert,
          .ca = o.ca,
          .passphrase = o.passphrase,
          .ciphers = o.ciphers,
          .min_version = o.min_version,
          .max_version = o.max_version};
}

// server::add_context's contexts, in the order added: the pattern and its
// context. The server and every connection's role share one list.
struct named_context {
  std::string hostname;  // may hold '*'
  std::shared_ptr<secure_context> context;
};
using named_contexts = std::vector<named_context>;

// Node's addContext match: '*' is any run of characters but '.', the rest
// compares without regard to ASCII case.
bool hostname_matches(std::string_view pattern, std::string_view name) noexcept;

// The context added last whose hostname matches `name`; nullptr: none.
const secure_context* context_for(const named_contexts& contexts, std::string_view name) noexcept;

struct role {
  std::shared_ptr<secure_context> context;
  bool is_server = false;
  // Client.
  std::string servername{};  // SNI sent (empty: none)
  std::string identity{};    // the name the certificate must match
  std::string session{};     // DER to resume
  std::function<std::optional<net::error_info>(std::string_view, const peer_certificate&)> check_identity{};
  // Both: ALPN in wire format (length-prefixed names).
  std::string alpn{};
  bool reject_unauthorized = true;
  // Server.
  bool request_cert = false;
  std::chrono::milliseconds handshake_timeout{0};
  std::weak_ptr<server> owner{};
  // Shared: copying the role per connection copies a pointer, not the closure.
  std::shared_ptr<const sni_callback_fn> sni_callback{};
  std::shared_ptr<named_contexts> contexts{};  // add_context's: the server's list itself
};

// "h2", "http/1.1" -> "\x02h2\x08http/1.1".
std::string alpn_wire(const std::vector<std::string>& protocols);

}  // namespace coronet::tls::detail
