// tls::detail::engine: the stream_layer that runs OpenSSL for one tls::socket.
//
// Ciphertext is read by OpenSSL straight from the loop's receive buffer
// (a BIO whose read hands out the bytes on_receive was given) and written
// straight into the socket's write queue (a BIO whose write appends there),
// so a record is copied once each way, by OpenSSL itself. Plaintext is
// decrypted into one 16 KiB buffer per socket, reused for every `data`.
#pragma once

#include <coronet/deferred_call.hpp>
#include <coronet/net/stream_layer.hpp>
#include <coronet/timer.hpp>

#include "role.hpp"

#include <openssl/ssl.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coronet::tls::detail {

class engine final : public net::stream_layer {
 public:
  engine(tls::socket& owner, const role& r);
  ~engine() override;

  void on_open() override;
  void on_receive(std::string_view bytes) override;
  bool has_pending() const noexcept override;
  void on_resume() override;
  void on_read_end() override;
  void on_write(std::string_view data, net::write_callback cb) override;
  std::size_t held() const noexcept override { return held_.size(); }
  void on_end() override;
  bool ready_to_finish() const noexcept override { return secure_ || failed_; }
  // A pause made mid-handshake (in any turn) must not stall it.
  bool reads_while_paused() const noexcept override { return !secure_ && !failed_; }

  SSL* ssl() const noexcept { return ssl_; }
  // A pause during the handshake is held here, not in the socket (which
  // would stop reading the handshake too), and applied once it is done.
  // hold_pause(): false once there is no handshake to wait for.
  bool hold_pause() noexcept;
  void drop_pause() noexcept { pause_held_ = false; }
  bool pause_held() const noexcept { return pause_held_; }
  bool secure() const noexcept { return secure_; }

  // The context callbacks (keylog, new session, ALPN) find their engine
  // through the SSL; create_secure_context installs them.
  static void install_callbacks(SSL_CTX* ctx);

 private:
  static int bio_read(BIO* b, char* out, std::size_t n, std::size_t* got);
  static int bio_write(BIO* b, const char* in, std::size_t n, std::size_t* put);
  static long bio_ctrl(BIO* b, int cmd, long num, void* ptr);
  static BIO_METHOD* bio_method();
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  static void on_keylog(const SSL* ssl, const char* line);
  static int on_client_hello(SSL* ssl, int* alert, void* arg);
  static int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                     unsigned inlen, void* arg);

  int ask_sni(std::string name, int* alert);  // the client hello callback's answer
  int pick_added_context(int* alert);         // ... without an sni_callback
  void pump();                                // consume input_: handshake, then plaintext to `data`
  void handshake();
  void take_user_pause() noexcept;  // the socket's pause becomes held
  void on_secure();
  bool verify_client();  // false: the socket was destroyed
  void encrypt(std::string_view data);
  void flush_held();
  void shutdown();
  // A failure: a client's socket gets `error`; a server's connection is
  // reported as tlsClientError and destroyed.
  void handshake_failed(net::error_info e);

  tls::socket& sock_;
  role role_;
  SSL* ssl_ = nullptr;
  std::string_view input_{};  // ciphertext OpenSSL has not read yet
  std::string stash_{};       // ... kept across a pause
  bool secure_ = false;
  bool failed_ = false;
  bool ending_ = false;
  bool shut_ = false;
  bool peer_closed_ = false;  // close_notify arrived
  std::string held_{};        // writes made before the handshake was done
  std::vector<std::pair<std::size_t, net::write_callback>> held_callbacks_{};
  std::optional<deadline> handshake_timer_{};
  bool pause_held_ = false;
  // Once more in the turn after on_open: `connect` and `connection`
  // listeners may pause through a net::socket&.
  deferred_call take_pause_later_;
  // sni_callback: not asked yet, asked (the handshake waits), answered.
  enum class sni { unasked, pending, answered } sni_ = sni::unasked;
  static constexpr std::size_t max_waiting_input = 64 * 1024;  // bytes kept meanwhile
  std::shared_ptr<secure_context> sni_context_{};
  std::optional<net::error_info> sni_error_{};
  std::array<char, 16 * 1024> plain_{};
};

}  // namespace coronet::tls::detail
