// stop_link: connects a std::stop_token to a pending op (an io_op or a sleep).
//
// A stop request made on the loop thread cancels the op at once. One made on
// another thread is handed to the loop (loop_impl::post_cancel) and carried
// out in its next turn, unless the op completed first: detach() waits out a
// running callback and withdraws the handed-over request, so the loop never
// touches an op that is gone.
#pragma once

#include <coronet/detail/cancellable.hpp>

#include <optional>
#include <stop_token>

namespace coronet::detail {

class loop_impl;

class stop_link {
 public:
  // Call after the op is pending. May cancel at once if stop was requested.
  void attach(loop_impl& l, cancellable& op, const std::stop_token& token);
  // Call when the op completes, before its memory can go away.
  void detach() noexcept;

 private:
  struct request {
    loop_impl* loop;
    cancellable* op;
    void operator()() const noexcept;
  };
  std::optional<std::stop_callback<request>> callback_;
  loop_impl* loop_ = nullptr;
  cancellable* op_ = nullptr;
};

}  // namespace coronet::detail
