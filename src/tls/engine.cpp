// The OpenSSL side of tls::socket: handshake, records, verification.
#include "engine.hpp"

#include <coronet/error.hpp>
#include <coronet/tls/errors.hpp>
#include <coronet/tls/server.hpp>
#include <coronet/tls/socket.hpp>

#include "ossl.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace coronet::tls::detail {

namespace {
engine* from(const SSL* ssl) { return static_cast<engine*>(SSL_get_app_data(ssl)); }

// Node verifies after the handshake (and decides by reject_unauthorized),
// so OpenSSL is told every certificate is fine for now.
int accept_for_now(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

net::error_info disconnected() {
  return net::error_info::node(errno_code(ECONNRESET),
                               "Client network socket disconnected before secure TLS connection was established");
}
}  // namespace

// ---- the BIO over the socket ------------------------------------------------

BIO_METHOD* engine::bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "coronet socket");
    BIO_meth_set_read_ex(m, &engine::bio_read);
    BIO_meth_set_write_ex(m, &engine::bio_write);
    BIO_meth_set_ctrl(m, &engine::bio_ctrl);
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

int engine::bio_read(BIO* b, char* out, std::size_t n, std::size_t* got) {
  auto* e = static_cast<engine*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (e->input_.empty()) {
    BIO_set_retry_read(b);  // more when the next receive completes
    *got = 0;
    return 0;
  }
  const std::size_t k = std::min(n, e->input_.size());
  std::memcpy(out, e->input_.data(), k);
  e->input_.remove_prefix(k);
  *got = k;
  return 1;
}

int engine::bio_write(BIO* b, const char* in, std::size_t n, std::size_t* put) {
  auto* e = static_cast<engine*>(BIO_get_data(b));
  e->send(std::string_view(in, n));  // into the write queue: it never blocks
  *put = n;
  return 1;
}

long engine::bio_ctrl(BIO* b, int cmd, long /*num*/, void* /*ptr*/) {
  auto* e = static_cast<engine*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return static_cast<long>(e->input_.size());
    default:
      return 0;
  }
}

// ---- context callbacks -------------------------------------------------------

void engine::install_callbacks(SSL_CTX* ctx) {
  SSL_CTX_sess_set_new_cb(ctx, &engine::on_new_session);
  SSL_CTX_set_keylog_callback(ctx, &engine::on_keylog);
  SSL_CTX_set_alpn_select_cb(ctx, &engine::on_alpn, nullptr);
  // The earliest point a server sees the servername: before the certificate
  // is picked, and the only one that may wait (SSL_CLIENT_HELLO_RETRY).
  SSL_CTX_set_client_hello_cb(ctx, &engine::on_client_hello, nullptr);
}

namespace {
// The host_name from a ClientHello's server_name extension (RFC 6066 3):
// a 2-byte list length, then entries of a type byte and a 2-byte length.
std::string servername_of(SSL* ssl) {
  const unsigned char* p = nullptr;
  std::size_t len = 0;
  if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) || len < 2) return {};
  std::size_t list = (std::size_t{p[0]} << 8) | p[1];
  p += 2;
  len -= 2;
  if (list > len) return {};
  while (list >= 3) {
    const unsigned type = p[0];
    const std::size_t n = (std::size_t{p[1]} << 8) | p[2];
    if (n > list - 3) return {};
    if (type == TLSEXT_NAMETYPE_host_name) return std::string(reinterpret_cast<const char*>(p + 3), n);
    p += 3 + n;
    list -= 3 + n;
  }
  return {};
}
}  // namespace

int engine::on_client_hello(SSL* ssl, int* alert, void* /*arg*/) {
  engine* e = from(ssl);
  if (!e || !e->role_.is_server) return SSL_CLIENT_HELLO_SUCCESS;
  if (!e->role_.sni_callback) return e->pick_added_context(alert);
  switch (e->sni_) {
    case sni::pending:
      return SSL_CLIENT_HELLO_RETRY;  // more bytes came; the answer has not
    case sni::answered:
      break;
    case sni::unasked: {
      std::string name = servername_of(ssl);
      if (name.empty()) return SSL_CLIENT_HELLO_SUCCESS;  // Node: no servername, no call
      const int r = e->ask_sni(std::move(name), alert);
      if (r != SSL_CLIENT_HELLO_SUCCESS) return r;
      break;
    }
  }
  if (e->sni_error_) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (e->sni_context_ && !SSL_set_SSL_CTX(ssl, static_cast<SSL_CTX*>(e->sni_context_->native_handle()))) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int engine::pick_added_context(int* alert) {
  // Node's default SNICallback: add_context's list, the last match first.
  if (!role_.contexts || role_.contexts->empty()) return SSL_CLIENT_HELLO_SUCCESS;
  const std::string name = servername_of(ssl_);
  if (name.empty()) return SSL_CLIENT_HELLO_SUCCESS;
  const secure_context* ctx = context_for(*role_.contexts, name);
  if (ctx && !SSL_set_SSL_CTX(ssl_, static_cast<SSL_CTX*>(ctx->native_handle()))) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int engine::ask_sni(std::string name, int* /*alert*/) {
  sni_ = sni::pending;
  struct call {
    bool answered = false;
    bool returned = false;  // ask_sni is done: an answer now resumes the handshake
  };
  auto state = std::make_shared<call>();
  // The answer may come after the socket is gone: it is held weakly.
  std::weak_ptr<net::socket> weak = sock_.shared_from_this();
  auto callback = role_.sni_callback;  // the user may drop the server meanwhile
  (*callback)(name, [this, weak, state](const net::error_info* error, std::shared_ptr<secure_context> context) {
    if (state->answered) return;  // Node throws ERR_MULTIPLE_CALLBACK at a second answer; we keep the first
    state->answered = true;
    auto s = weak.lock();
    if (!s || s->destroyed() || failed_) return;
    sni_ = sni::answered;
    if (error) sni_error_ = *error;
    sni_context_ = std::move(context);
    if (state->returned) on_resume();  // the handshake goes on from where it waited
  });
  state->returned = true;
  return sni_ == sni::answered ? SSL_CLIENT_HELLO_SUCCESS : SSL_CLIENT_HELLO_RETRY;
}

int engine::on_new_session(SSL* ssl, SSL_SESSION* session) {
  engine* e = from(ssl);
  if (!e || e->role_.is_server || e->sock_.listener_count<"session">() == 0) return 0;
  const int len = i2d_SSL_SESSION(session, nullptr);
  if (len <= 0) return 0;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_SSL_SESSION(session, &p);
  e->sock_.emit<"session">(std::string_view(der));
  return 0;  // we keep no reference
}

void engine::on_keylog(const SSL* ssl, const char* line) {
  engine* e = from(ssl);
  if (!e) return;
  auto srv = e->role_.owner.lock();
  const bool wanted = e->sock_.listener_count<"keylog">() > 0 || (srv && srv->listener_count<"keylog">() > 0);
  if (!wanted) return;
  const std::string text = std::string(line) + '\n';  // Node's lines end with a newline
  e->sock_.emit<"keylog">(std::string_view(text));
  if (srv) srv->emit<"keylog">(std::string_view(text), e->sock_);
}

int engine::on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                    void* /*arg*/) {
  engine* e = from(ssl);
  if (!e || e->role_.alpn.empty()) return SSL_TLSEXT_ERR_NOACK;
  const auto* ours = reinterpret_cast<const unsigned char*>(e->role_.alpn.data());
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, ours, static_cast<unsigned>(e->role_.alpn.size()), in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // Node: no protocol in common fails the handshake
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// ---- lifecycle ----------------------------------------------------------------

engine::engine(tls::socket& owner, const role& r)
    : sock_(owner),
      role_(r),
      take_pause_later_(
          owner.get_loop(), [](void* e) noexcept { static_cast<engine*>(e)->take_user_pause(); }, this) {
  ssl_ = SSL_new(static_cast<SSL_CTX*>(role_.context->native_handle()));
  if (!ssl_) throw_ossl("SSL_new");
  SSL_set_app_data(ssl_, this);
  BIO* bio = BIO_new(bio_method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: one reference
  if (role_.is_server) {
    SSL_set_accept_state(ssl_);
    int mode = SSL_VERIFY_NONE;
    if (role_.request_cert) {
      mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
      if (role_.reject_unauthorized) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_set_verify(ssl_, mode, &accept_for_now);
  } else {
    SSL_set_connect_state(ssl_);
    SSL_set_verify(ssl_, SSL_VERIFY_PEER, &accept_for_now);
    if (!role_.servername.empty()) SSL_set_tlsext_host_name(ssl_, role_.servername.c_str());
    if (!role_.alpn.empty())
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(role_.alpn.data()),
                          static_cast<unsigned>(role_.alpn.size()));
    if (!role_.session.empty()) {
      const auto* p = reinterpret_cast<const unsigned char*>(role_.session.data());
      if (SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(role_.session.size()))) {
        SSL_set_session(ssl_, s);
        SSL_SESSION_free(s);
      }
      ERR_clear_error();
    }
    sock_.servername_ = role_.servername;
  }
}

engine::~engine() { SSL_free(ssl_); }

void engine::on_open() {
  // A client paused right after connect, or a server's pause_on_connect.
  take_user_pause();
  take_pause_later_.schedule();
  if (role_.is_server) {
    if (role_.handshake_timeout.count() > 0) {
      handshake_timer_.emplace(sock_.get_loop(), [this] {
        if (!secure_ && !failed_ && !sock_.destroyed())
          handshake_failed(
              net::error_info::node(make_error_code(errc::ERR_TLS_HANDSHAKE_TIMEOUT), "TLS handshake timeout"));
      });
      handshake_timer_->unref();  // the connection holds the loop, not its timer
      handshake_timer_->expires_after(role_.handshake_timeout);
    }
    return;
  }
  handshake();  // the ClientHello goes into the write queue
}

// ---- reading ------------------------------------------------------------------

void engine::on_receive(std::string_view bytes) {
  if (failed_ || peer_closed_) return;
  if (sni_ == sni::pending) {
    // The handshake waits for the sni_callback: keep what comes meanwhile (a
    // client may send a change_cipher_spec right after its ClientHello), but
    // not without bound.
    stash_.append(bytes);
    if (stash_.size() > max_waiting_input) {
      stash_.clear();
      net::error_info e;
      e.code = "ERR_SSL_EXCESSIVE_MESSAGE_SIZE";
      e.message = "excessive message size";
      handshake_failed(std::move(e));
    }
    return;
  }
  if (!stash_.empty()) {
    stash_.append(bytes);
    on_resume();
    return;
  }
  input_ = bytes;
  pump();
  if (!input_.empty() && !failed_ && !peer_closed_) stash_.assign(input_);  // paused in the middle
  input_ = {};
}

bool engine::has_pending() const noexcept {
  // While the sni_callback has not answered, on_resume() could do nothing
  // with the stash: the socket reads on instead of calling it.
  if (sni_ == sni::pending) return false;
  return !failed_ && !peer_closed_ && (!stash_.empty() || (secure_ && SSL_pending(ssl_) > 0));
}

void engine::on_resume() {
  input_ = stash_;
  pump();
  const std::size_t consumed = stash_.size() - input_.size();
  input_ = {};
  if (failed_ || peer_closed_) {
    stash_.clear();
  } else {
    stash_.erase(0, consumed);
  }
}

void engine::pump() {
  if (!secure_) {
    handshake();
    if (!secure_) return;
  }
  while (!failed_ && !peer_closed_ && !paused() && !sock_.destroyed()) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, plain_.data(), static_cast<int>(plain_.size()));
    if (n > 0) {
      emit_data(std::string_view(plain_.data(), static_cast<std::size_t>(n)));
      continue;
    }
    const int why = SSL_get_error(ssl_, n);
    if (why == SSL_ERROR_WANT_READ) break;  // everything we had is read
    if (why == SSL_ERROR_ZERO_RETURN) {     // close_notify: the FIN follows
      peer_closed_ = true;
      input_ = {};
      break;
    }
    failed_ = true;
    input_ = {};
    fail(ssl_error(why == SSL_ERROR_SYSCALL ? "unexpected eof while reading" : "decryption failed"));
    break;
  }
}

void engine::on_read_end() {
  if (!secure_ && !failed_) handshake_failed(disconnected());
}

// ---- the handshake ------------------------------------------------------------------

void engine::handshake() {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    on_secure();
    return;
  }
  const int why = SSL_get_error(ssl_, r);
  if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_CLIENT_HELLO_CB) return;
  if (sni_error_) {  // the sni_callback refused: its error, not OpenSSL's
    ERR_clear_error();
    handshake_failed(*sni_error_);
    return;
  }
  handshake_failed(ssl_error("handshake failure"));
}

bool engine::hold_pause() noexcept {
  if (secure_ || failed_ || sock_.destroyed()) return false;
  pause_held_ = true;
  return true;
}

void engine::take_user_pause() noexcept {
  if (!secure_ && !failed_ && !sock_.destroyed() && take_pause()) pause_held_ = true;
}

void engine::handshake_failed(net::error_info e) {
  failed_ = true;
  input_ = {};
  if (handshake_timer_) handshake_timer_->cancel();
  if (!role_.is_server) {
    fail(std::move(e));
    return;
  }
  // Before `secureConnection` a server's connection has no `error` event
  // (Node's _tlsError): the server hears of it and serves on.
  auto keep = sock_.shared_from_this();
  const bool peer_gone = e.code == "ECONNRESET";
  if (auto srv = role_.owner.lock()) srv->emit<"tlsClientError">(e, sock_);
  // The alert OpenSSL queued (http request, certificate required, ...)
  // still goes out, then the FIN, then the socket closes.
  if (peer_gone) {
    sock_.destroy();
  } else {
    sock_.destroy_soon();
  }
}

void engine::on_secure() {
  secure_ = true;
  if (handshake_timer_) handshake_timer_->cancel();
  take_pause_later_.cancel();
  if (std::exchange(pause_held_, false)) static_cast<net::socket&>(sock_).pause();  // plaintext waits
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  sock_.alpn_protocol_.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) sock_.servername_ = name;
  auto keep = sock_.shared_from_this();
  if (role_.is_server) {
    if (!verify_client()) return;
    flush_held();
    if (auto srv = role_.owner.lock()) srv->emit<"secureConnection">(sock_);
    return;
  }
  // Node's onConnectSecure: the chain first, then the host name (unless resumed).
  std::optional<net::error_info> problem;
  const long result = SSL_get_verify_result(ssl_);
  X509* peer = SSL_get0_peer_certificate(ssl_);
  if (!peer) {
    problem = verify_error(X509_V_ERR_UNSPECIFIED);
  } else if (result != X509_V_OK) {
    problem = verify_error(result);
  } else if (!SSL_session_reused(ssl_)) {
    const auto cert = to_peer_certificate(peer);
    problem =
        role_.check_identity ? role_.check_identity(role_.identity, cert) : check_server_identity(role_.identity, cert);
  }
  sock_.authorized_ = !problem;
  sock_.authorization_error_ = problem;
  if (problem && role_.reject_unauthorized) {
    failed_ = true;
    fail(std::move(*problem));
    return;
  }
  flush_held();
  if (!sock_.destroyed()) sock_.emit<"secureConnect">();
}

bool engine::verify_client() {
  if (!role_.request_cert) return true;
  X509* peer = SSL_get0_peer_certificate(ssl_);
  const long result = peer ? SSL_get_verify_result(ssl_) : X509_V_ERR_UNSPECIFIED;
  if (result == X509_V_OK) {
    sock_.authorized_ = true;
    return true;
  }
  sock_.authorization_error_ = verify_error(result);
  if (role_.reject_unauthorized) {  // Node destroys it without a word
    failed_ = true;
    sock_.destroy();
    return false;
  }
  return true;
}

// ---- writing ------------------------------------------------------------------

void engine::on_write(std::string_view data, net::write_callback cb) {
  if (!secure_) {
    held_.append(data);
    if (cb) held_callbacks_.emplace_back(held_.size(), std::move(cb));
    return;
  }
  encrypt(data);
  if (cb) send({}, std::move(cb));  // runs once the records carrying `data` went out
}

void engine::encrypt(std::string_view data) {
  while (!data.empty() && !failed_) {
    ERR_clear_error();
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30));
    const int n = SSL_write(ssl_, data.data(), chunk);
    if (n <= 0) {
      failed_ = true;
      fail(ssl_error("write failure"));
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void engine::flush_held() {
  std::size_t from = 0;
  auto callbacks = std::move(held_callbacks_);
  held_callbacks_.clear();
  for (auto& [end, cb] : callbacks) {
    encrypt(std::string_view(held_).substr(from, end - from));
    send({}, std::move(cb));
    from = end;
  }
  if (from < held_.size()) encrypt(std::string_view(held_).substr(from));
  held_.clear();
  if (ending_) shutdown();
}

void engine::on_end() {
  ending_ = true;
  if (secure_) shutdown();
}

void engine::shutdown() {
  if (shut_ || failed_) return;
  shut_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // close_notify into the queue; our FIN follows it
  ERR_clear_error();
  send({});  // wakes the writer, which now sends the FIN
}

}  // namespace coronet::tls::detail
