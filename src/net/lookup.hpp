// Host name resolution off the loop thread: getaddrinfo (which honours
// /etc/hosts and nsswitch) on a small pool of resolver threads shared by
// every loop, the answer posted back to the asking loop.
#pragma once

#include <coronet/loop.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/lookup.hpp>

#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coronet::net::detail {

using resolved = lookup_address;

// Calls `done` on the loop thread with every address (Node's `all: true`),
// in getaddrinfo's order without repeats, or with an ENOTFOUND-style error
// ("getaddrinfo ENOTFOUND <host>"). Never blocks the calling thread; the
// pending answer keeps loop::run() going.
void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done);

// The getaddrinfo flags a connect asks with, as Node's net.connect: with no
// family (neither 4 nor 6) and no hints of the caller's, AI_ADDRCONFIG, so
// only the families the machine has an address for come back.
int connect_hints(int family, int hints) noexcept;

// What a lookup answered: an error, or every address it found.
struct lookup_answer {
  std::optional<error_info> error{};
  std::vector<lookup_address> addresses{};
};

// co_await look_up(...): asks the user's lookup function (Node's `lookup`
// option) or, without one, resolve(), and resumes with the answer. A lookup
// may answer inside the call (then nothing suspends) or later on the loop
// thread; a second answer is ignored. `all`: Node's `all: true`.
class lookup_awaitable {
 public:
  lookup_awaitable(loop& l, lookup_function fn, std::string host, int family, int hints, bool all);

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h);
  lookup_answer await_resume() noexcept { return std::move(wait_->answer); }

 private:
  struct waiting {  // shared with the callback, which may outlive the wait
    lookup_answer answer;
    std::coroutine_handle<> waiter;
    bool answered = false;
  };

  loop& loop_;
  lookup_function fn_;
  std::string host_;
  int family_;
  int hints_;
  bool all_;
  std::shared_ptr<waiting> wait_ = std::make_shared<waiting>();
};

inline lookup_awaitable look_up(loop& l, lookup_function fn, std::string host, int family, int hints, bool all) {
  return {l, std::move(fn), std::move(host), family, hints, all};
}

}  // namespace coronet::net::detail
