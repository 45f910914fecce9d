// net::stream_layer: the few ways a layer reaches into its socket, and
// socket::set_stream_layer. The hooks themselves are called from
// socket.cpp (reading, opening) and socket_write.cpp (writing, ending).
#include <coronet/net/socket.hpp>
#include <coronet/net/stream_layer.hpp>

namespace coronet::net {

void stream_layer::send(std::string_view bytes, write_callback cb) { owner_->queue_write(bytes, std::move(cb)); }

void stream_layer::emit_data(std::string_view bytes) { owner_->deliver(bytes); }

bool stream_layer::paused() const noexcept { return owner_->paused_; }

bool stream_layer::take_pause() noexcept {
  if (!owner_->paused_) return false;
  owner_->paused_ = owner_->read_stopped_ = false;
  owner_->read_wakeup_.notify();  // the reader may wait at its gate
  return true;
}

void stream_layer::fail(error_info e) { owner_->destroy(std::move(e)); }

socket& socket::set_stream_layer(std::unique_ptr<stream_layer> layer) {
  if (layer) layer->owner_ = this;
  layer_ = std::move(layer);
  return *this;
}

}  // namespace coronet::net
