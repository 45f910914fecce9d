// net::socket: the write queue, end(), and pipe().
//
// Writes append to `pending_` (reusing its capacity, so a steady stream of
// writes allocates nothing); the writer coroutine swaps it with `in_flight_`
// and hands all of it to the kernel in one call. Callbacks remember the
// offset their data ends at and run once that much has gone out.
#include <coronet/net/errors.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/net/string_encoder.hpp>

namespace coronet::net {

bool socket::write(std::string_view data, write_callback cb) {
  if (ending_ || finished_ || destroyed_) {
    auto e = destroyed_ ? error_info::node(make_error_code(errc::ERR_STREAM_DESTROYED),
                                           "Cannot call write after a stream was destroyed")
                        : error_info::node(make_error_code(errc::ERR_STREAM_WRITE_AFTER_END), "write after end");
    // Node calls back (and errors) asynchronously, never inside write().
    auto self = shared_from_this();
    loop_.post([self, e, cb = std::move(cb)] {
      if (cb) cb(&e);
      if (e.code == "ERR_STREAM_WRITE_AFTER_END") self->destroy(e);
    });
    return false;
  }
  queue_write(data, std::move(cb));
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
  pending_.append(data);
  if (cb) pending_callbacks_.emplace_back(pending_.size(), std::move(cb));
  write_wakeup_.notify();
}

socket& socket::end(std::function<void()> on_finish) { return end(std::string_view(), std::move(on_finish)); }

socket& socket::end(std::string_view data, std::function<void()> on_finish) {
  if (on_finish) once<"finish">([cb = std::move(on_finish)] { cb(); });
  if (ending_ || destroyed_) return *this;
  if (!data.empty()) queue_write(data, {});
  ending_ = true;
  writable_ = false;  // as in Node, no longer writable once ending
  if (state_ == state::idle) {  // never connected: nothing to flush
    destroy();
    return *this;
  }
  write_wakeup_.notify();
  return *this;
}

task<void> socket::write_task(std::shared_ptr<socket> /*keeps us alive*/) {
  while (!destroyed_) {
    if (pending_.empty() && !(ending_ && !finished_)) {
      co_await write_wakeup_;
      continue;
    }
    if (!pending_.empty()) {
      in_flight_.swap(pending_);
      pending_.clear();
      in_flight_callbacks_.swap(pending_callbacks_);
      pending_callbacks_.clear();
      auto [ec, n] = co_await io_.write_all(std::as_bytes(std::span(in_flight_.data(), in_flight_.size())));
      bytes_written_ += n;
      if (destroyed_) break;
      if (ec) {
        destroy(error_info::system(ec, "write"));
        break;
      }
      touch();
      in_flight_.clear();
      auto done = std::move(in_flight_callbacks_);
      in_flight_callbacks_.clear();
      for (auto& [end_offset, cb] : done) cb(nullptr);
      // Keep the vector's capacity for the next batch when nobody swapped in.
      if (in_flight_callbacks_.empty()) {
        done.clear();
        in_flight_callbacks_ = std::move(done);
      }
      if (need_drain_ && writable_length() < options_.high_water_mark && !destroyed_) {
        need_drain_ = false;
        emit<"drain">();
      }
      continue;
    }
    // end(): everything is out; send our FIN.
    finished_ = true;
    writable_ = false;
    io_.shutdown();
    emit<"finish">();
    if (!destroyed_ && (read_ended_ || destroy_after_finish_)) destroy();
  }
  worker_done();
}

void socket::fail_writes(const error_info& e) {
  auto fail = [&](auto& callbacks) {
    auto list = std::move(callbacks);
    callbacks.clear();
    for (auto& [offset, cb] : list) cb(&e);
  };
  // The writer may be suspended on in_flight_; its callbacks fail too.
  fail(in_flight_callbacks_);
  fail(pending_callbacks_);
  pending_.clear();
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
