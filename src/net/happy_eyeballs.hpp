// auto_select_family: Happy Eyeballs (RFC 8305, section 5) for net::socket.
//
// The addresses are tried in Node's order (families interleaved, the first
// answer's family first). An attempt that has neither connected nor failed
// when the attempt delay passes gets company: under eyeballs::race the next
// attempt starts and both go on, the first to connect wins; under
// eyeballs::abandon (Node) the late attempt is closed first. A failure
// starts the next attempt at once. Under race the whole race is bounded:
// one attempt delay after the last attempt started, once every other has
// failed, the last is given up (ETIMEDOUT in the aggregate). The winner's stream_socket becomes the
// socket's; every other attempt is cancelled and its descriptor closed.
#pragma once

#include <coronet/net/socket.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

namespace coronet::net::detail {

// Node's lookupAndConnectMultiple ordering: keep IPv4/IPv6 addresses, each
// once, then alternate families starting with the first address's family.
std::vector<lookup_address> interleave_families(const std::vector<lookup_address>& found);

struct connect_race : std::enable_shared_from_this<connect_race> {
  connect_race(socket& s, std::vector<lookup_address> targets, int port, const block_list* blocked,
               std::chrono::milliseconds delay, eyeballs mode);

  void start();                            // the first attempt (and more if it fails at once)
  void cancel() noexcept;                  // the socket is being destroyed: stop every attempt
  void set_ref(bool referenced) noexcept;  // socket.ref()/unref() mid-race: every running attempt

 private:
  enum class state : unsigned char { waiting, pending, failed, abandoned };
  struct attempt {
    lookup_address target;
    state st = state::waiting;
    std::stop_source stop{};
    stream_socket* running = nullptr;  // the attempt's socket while its connect is pending
  };

  void start_next();
  void on_delay();
  void on_done(std::size_t index, std::error_code ec, stream_socket s);
  void attempt_failed(std::size_t index, error_info e);
  void win(stream_socket s);
  void fail_all();
  void give_up_if_stalled();
  task<void> run(std::shared_ptr<socket> owner, std::shared_ptr<connect_race> self, std::size_t index, stream_socket s,
                 endpoint to);

  socket& socket_;
  std::vector<attempt> attempts_;
  int port_;
  const block_list* blocked_;
  std::chrono::milliseconds delay_;
  eyeballs mode_;
  std::size_t next_ = 0;            // the first attempt not yet started
  int live_ = 0;                    // started, still pending, not abandoned
  bool done_ = false;               // won, failed or cancelled: late completions only close
  bool last_delay_passed_ = false;  // race: the last attempt has had its delay
  deadline delay_timer_;
  std::vector<error_info> errors_;
};

}  // namespace coronet::net::detail
