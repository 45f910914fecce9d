// net::stream_layer: something a socket's byte stream passes through, as
// node:tls sits on node:net. A socket that carries a layer hands it
//   - the bytes it receives, before `data` (the layer emits what the user
//     should see, e.g. plaintext, and may queue bytes of its own),
//   - the user's writes, before the write queue (the layer may hold them
//     with their callbacks, e.g. until a handshake is done, then queue what
//     should go out, e.g. ciphertext, so it leaves gathered),
//   - end(), before the FIN (e.g. to send close_notify first).
// A socket without a layer pays one null-pointer check per read and write.
//
// Every hook runs on the loop thread, inside the socket's own coroutines or
// calls; a hook may destroy the socket (fail()), and the socket checks.
#pragma once

#include <coronet/net/error_info.hpp>
#include <coronet/net/write_queue.hpp>

#include <cstddef>
#include <functional>
#include <string_view>

namespace coronet::net {

class socket;

class stream_layer {
 public:
  stream_layer() = default;
  stream_layer(const stream_layer&) = delete;
  stream_layer& operator=(const stream_layer&) = delete;
  virtual ~stream_layer() = default;

  // The connection is open (connected, or accepted by a server).
  virtual void on_open() {}
  // Bytes from the peer, valid for the call. A layer that stops early
  // (because the socket was paused) keeps the rest and says so in
  // has_pending(); the socket then calls on_resume() instead of reading.
  virtual void on_receive(std::string_view bytes) = 0;
  virtual bool has_pending() const noexcept { return false; }
  virtual void on_resume() {}
  // Whether the socket must go on reading although the user paused it: a
  // TLS handshake must finish while paused, as in Node; only what the layer
  // hands to the user waits.
  virtual bool reads_while_paused() const noexcept { return false; }
  // The peer's FIN (after the last on_receive).
  virtual void on_read_end() {}
  // A user write. `cb` runs once the bytes that carry it went out (or fail).
  virtual void on_write(std::string_view data, write_callback cb) = 0;
  // Bytes held back by on_write, counted in writable_length().
  virtual std::size_t held() const noexcept { return 0; }
  // end() was called; the FIN waits until ready_to_finish().
  virtual void on_end() {}
  virtual bool ready_to_finish() const noexcept { return true; }

  // The socket this layer is attached to (set by set_stream_layer).
  net::socket& owner() const noexcept { return *owner_; }

 protected:
  // Queues bytes to go out as they are (no layer); `cb` runs once they did.
  void send(std::string_view bytes, write_callback cb = {});
  // Hands bytes to the user: `data` (through set_encoding's decoder).
  void emit_data(std::string_view bytes);
  // Whether the user paused the socket (a layer delivering stops then).
  bool paused() const noexcept;
  // Lifts the user's pause (and pause_on_connect's) so the socket reads on;
  // returns whether it was paused. For a layer that must read while the
  // user has paused, as a TLS handshake must, and pauses again later.
  bool take_pause() noexcept;
  // Destroys the socket with this error (`error`, then `close`).
  void fail(error_info e);

 private:
  friend class socket;
  net::socket* owner_ = nullptr;
};

}  // namespace coronet::net
