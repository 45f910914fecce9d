// tls::server: a net::server whose connections are tls::sockets.
#include <coronet/tls/server.hpp>

#include "role.hpp"

#include <cctype>

namespace coronet::tls {

namespace detail {
bool hostname_matches(std::string_view pattern, std::string_view name) noexcept {
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  while (!pattern.empty() && pattern.front() != '*') {
    if (name.empty() || lower(pattern.front()) != lower(name.front())) return false;
    pattern.remove_prefix(1);
    name.remove_prefix(1);
  }
  if (pattern.empty()) return name.empty();
  pattern.remove_prefix(1);
  // The star takes k characters, none of them a '.'; host names are short.
  for (std::size_t k = 0;; ++k) {
    if (hostname_matches(pattern, name.substr(k))) return true;
    if (k == name.size() || name[k] == '.') return false;
  }
}

const secure_context* context_for(const named_contexts& contexts, std::string_view name) noexcept {
  for (auto it = contexts.rbegin(); it != contexts.rend(); ++it) {  // Node: the last added wins
    if (hostname_matches(it->hostname, name)) return it->context.get();
  }
  return nullptr;
}
}  // namespace detail

namespace {
net::server_options net_options(const server_options& o) {
  return {.allow_half_open = o.allow_half_open,
          .high_water_mark = o.high_water_mark,
          .pause_on_connect = o.pause_on_connect,
          .no_delay = o.no_delay,
          .keep_alive = o.keep_alive};
}

std::shared_ptr<secure_context> context_of(const server_options& o) {
  if (o.secure_context) return o.secure_context;
  return create_secure_context(detail::context_options_of(o));
}
}  // namespace

server::server(private_tag tag, loop& l, const server_options& o)
    : with_events(tag, l, net_options(o)), context_(context_of(o)), role_(std::make_unique<detail::role>()) {
  role_->context = context_;
  role_->is_server = true;
  role_->alpn = detail::alpn_wire(o.alpn_protocols);
  role_->reject_unauthorized = o.reject_unauthorized;
  role_->request_cert = o.request_cert;
  role_->handshake_timeout = o.handshake_timeout;
  if (o.sni_callback) role_->sni_callback = std::make_shared<const sni_callback_fn>(o.sni_callback);
  role_->contexts = std::make_shared<detail::named_contexts>();
}

server& server::add_context(std::string hostname, const secure_context_options& options) {
  if (hostname.empty()) return add_context(std::move(hostname), nullptr);  // the same error, before any work
  return add_context(std::move(hostname), create_secure_context(options));
}

server& server::add_context(std::string hostname, std::shared_ptr<secure_context> context) {
  if (hostname.empty()) {
    throw error(errc::ERR_TLS_REQUIRED_SERVER_NAME, "ERR_TLS_REQUIRED_SERVER_NAME",
                "\"servername\" is required parameter for Server.addContext");
  }
  // Node makes a context of whatever is not one (createSecureContext(null) too).
  if (!context) context = create_secure_context();
  role_->contexts->push_back({std::move(hostname), std::move(context)});
  return *this;
}

server::~server() = default;

std::shared_ptr<server> server::create(loop& l, const server_options& options,
                                       std::function<void(socket&)> on_secure_connection) {
  auto s = std::make_shared<server>(private_tag{}, l, options);
  s->role_->owner = s;
  if (on_secure_connection) s->on<"secureConnection">(std::move(on_secure_connection));
  return s;
}

std::shared_ptr<net::socket> server::make_socket(net::socket_options options) {
  return socket::create(get_loop(), std::move(options), *role_);
}

std::shared_ptr<server> create_server(loop& l, const server_options& options,
                                      std::function<void(socket&)> on_secure_connection) {
  return server::create(l, options, std::move(on_secure_connection));
}

}  // namespace coronet::tls
