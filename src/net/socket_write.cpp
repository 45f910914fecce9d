// net::socket: writing (over write_queue.hpp), end(), and pipe().
#include <coronet/codec/string_encoder.hpp>
#include <coronet/error.hpp>
#include <coronet/net/errors.hpp>
#include <coronet/net/socket.hpp>

#include <utility>

namespace coronet::net {

namespace {
error_info stream_destroyed() {
  return error_info::node(make_error_code(errc::ERR_STREAM_DESTROYED),
                          "Cannot call write after a stream was destroyed");
}
}  // namespace

bool socket::write(std::string_view data, write_callback cb) {
  if (ending_ || finished_ || destroyed_) {
    // After the peer's FIN, with allowHalfOpen false, Node's writeAfterFIN
    // says EPIPE rather than the vaguer "write after end".
    const bool after_fin = read_ended_ && !options_.allow_half_open;
    auto e = destroyed_  ? stream_destroyed()
             : after_fin ? error_info::node(errno_code(EPIPE), "This socket has been ended by the other party")
                         : error_info::node(make_error_code(errc::ERR_STREAM_WRITE_AFTER_END), "write after end");
    // Node calls back (and errors) asynchronously, never inside write().
    auto self = shared_from_this();
    loop_.post([self, e, cb = std::move(cb), fatal = !destroyed_] {
      if (cb) cb(&e);
      if (fatal) self->destroy(e);
    });
    return false;
  }
  if (layer_) {
    layer_->on_write(data, std::move(cb));
  } else {
    queue_write(data, std::move(cb));
  }
  const bool below = writable_length() < options_.high_water_mark;
  if (!below) need_drain_ = true;
  return below;
}

bool socket::write(std::string_view text, std::string_view encoding_name, write_callback cb) {
  auto enc = parse_encoding(encoding_name);
  if (!enc) throw error(errc::ERR_UNKNOWN_ENCODING, "Unknown encoding: " + std::string(encoding_name));
  if (*enc == encoding::utf8) return write(text, std::move(cb));
  encoded_.clear();  // reused: no allocation once it has grown
  encode(text, *enc, encoded_);
  return write(std::string_view(encoded_), std::move(cb));
}

void socket::queue_write(std::string_view data, write_callback cb) {
  writes_.push(data, std::move(cb));
  if (state_ == state::connecting && !connecting_writes_listener_) watch_connecting_writes();
  write_wakeup_.notify();
}

socket& socket::end(std::function<void()> on_finish) { return end(std::string_view(), std::move(on_finish)); }

socket& socket::end(std::string_view text, std::string_view encoding_name, std::function<void()> on_finish) {
  auto enc = parse_encoding(encoding_name);
  if (!enc) throw error(errc::ERR_UNKNOWN_ENCODING, "Unknown encoding: " + std::string(encoding_name));
  if (*enc == encoding::utf8 || text.empty()) return end(text, std::move(on_finish));
  encoded_.clear();
  encode(text, *enc, encoded_);
  return end(std::string_view(encoded_), std::move(on_finish));
}

socket& socket::end(std::string_view data, std::function<void()> on_finish) {
  if (on_finish) {
    if (finished_ || destroyed_) {
      loop_.post([self = shared_from_this(), cb = std::move(on_finish)] { cb(); });  // Node calls back still
    } else {
      end_callbacks_.push_back(std::move(on_finish));
    }
  }
  if (ending_ || destroyed_) return *this;
  if (!data.empty()) layer_ ? layer_->on_write(data, {}) : queue_write(data, {});
  ending_ = true;
  writable_ = false;            // as in Node, no longer writable once ending
  if (state_ == state::idle) {  // never connected: nothing to flush
    destroy();
    return *this;
  }
  if (layer_) layer_->on_end();
  write_wakeup_.notify();
  return *this;
}

task<void> socket::write_task(std::shared_ptr<socket> /*keeps us alive*/) {
  while (!destroyed_) {
    if (!writes_.has_pending() && !(ending_ && !finished_ && (!layer_ || layer_->ready_to_finish()))) {
      co_await write_wakeup_;
      continue;
    }
    if (writes_.has_pending()) {
      auto [ec, n] = co_await io_.write_all(writes_.take_batch());
      bytes_written_ += n;
      if (destroyed_) {
        writes_.set_sent(n);  // fail_writes() tells the writes that left from those that did not
        break;
      }
      if (ec) {
        destroy(error_info::system(ec, "write"));
        break;
      }
      touch();
      // Node's afterWrite: `drain` first, then the callbacks of these writes.
      writes_.batch_done([this] {
        if (need_drain_ && writable_length() < options_.high_water_mark) {
          need_drain_ = false;
          emit<"drain">();
        }
      });
      continue;
    }
    // end(): everything is out; send our FIN.
    finished_ = true;
    writable_ = false;
    io_.shutdown();
    for (auto& cb : std::exchange(end_callbacks_, {})) cb();  // end(cb) before `finish`, as in Node
    if (destroyed_) break;
    emit<"finish">();
    if (!destroyed_ && (read_ended_ || destroy_after_finish_)) destroy();
  }
  worker_done();
}

// At `close`, the writes that never went out fail as Node's do. With a
// batch in the kernel's hands (the writer was suspended on in_flight_), a
// write it took whole succeeded; the one it was taking (or would take
// first) gets ECANCELED, as Node's write in libuv's hands; the writes behind
// it, Node's buffered ones, get the destroy error, else ECANCELED too. With
// no batch out (Node's errorBuffer, as for a corked write), the queued ones
// get the destroy error, else ERR_STREAM_DESTROYED. The end(cb) callbacks
// run last (Node calls them with the same error).
void socket::fail_writes() {
  const auto fallback = writes_.batch_cut() ? error_info::system(errno_code(ECANCELED), "write") : stream_destroyed();
  writes_.fail(fallback, error_ ? *error_ : fallback);
  for (auto& cb : std::exchange(end_callbacks_, {})) cb();
}

// Node's write() hands its bytes to the kernel at once when nothing is being
// written (libuv's uv_try_write), so `write(data); destroy()` sends them.
// Ours wait for the writer coroutine; destroy() gives the kernel what it
// would have had, in one non-blocking send of the queue. What it takes
// succeeded; the write it cuts (or could not start) is Node's write in
// libuv's hands, cancelled; fail_writes() tells them apart.
void socket::flush_before_destroy() noexcept {
  if (state_ != state::open || writes_.writing() || !writes_.has_pending() || !io_.is_open()) return;
  const auto sent = io_.try_write(writes_.take_batch());
  writes_.set_sent(sent.value);  // 0 on an error: nothing was taken
  bytes_written_ += sent.value;
}

// Node's _writeGeneric while connecting: once('close', onClose), removed by
// `connect`. The first write gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION; the
// writes queued behind it get the destroy error (a refused connect's, too),
// else the same code.
void socket::watch_connecting_writes() {
  first_connecting_write_end_ = writes_.pending_size();
  connecting_writes_listener_ = once<"close">([this](bool) { fail_connecting_writes(); });
}

void socket::fail_connecting_writes() {
  connecting_writes_listener_ = {};
  const auto closed = error_info::node(make_error_code(errc::ERR_SOCKET_CLOSED_BEFORE_CONNECTION),
                                       "Socket closed before the connection was established");
  const error_info& queued = error_ ? *error_ : closed;
  writes_.fail_pending(first_connecting_write_end_, closed, queued);
  fail_writes();  // the end(cb) callbacks
}

std::shared_ptr<socket> socket::pipe(std::shared_ptr<socket> destination) {
  std::weak_ptr<socket> source = weak_from_this();
  // The source's listeners hold the destination, except when they are the
  // same socket (an echo): a socket must not own itself through a listener.
  std::weak_ptr<socket> weak_dest = destination;
  std::shared_ptr<socket> strong_dest = destination.get() == this ? nullptr : destination;
  on<"data">([this, weak_dest, strong_dest](std::string_view chunk) {
    auto dest = strong_dest ? strong_dest : weak_dest.lock();
    if (dest && !dest->write(chunk)) pause();
  });
  destination->on<"drain">([source] {
    if (auto s = source.lock()) s->resume();
  });
  on<"end">([weak_dest, strong_dest] {
    if (auto dest = strong_dest ? strong_dest : weak_dest.lock()) dest->end();
  });
  return destination;
}

}  // namespace coronet::net
