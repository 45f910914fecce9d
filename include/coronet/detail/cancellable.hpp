// cancellable: a ready-queue entry that a stop request can end early.
//
// What stop_link and the loop's cross-thread cancel queue need of anything
// pending, an I/O op or a sleep: the completion that delivers it, the
// function that asks it to end early, and a mark while another thread's
// request for it waits in the loop's inbox. Public only because awaitables
// live in coroutine frames; users never touch it.
#pragma once

#include <coronet/completion.hpp>

namespace coronet::detail {

struct cancellable : completion {
  using cancel_fn = void (*)(cancellable*) noexcept;

  // Asks for early completion with -ECANCELED; called on the loop thread.
  cancel_fn on_cancel = nullptr;
  bool cancel_posted = false;  // a cross-thread stop request names this entry
};

}  // namespace coronet::detail
