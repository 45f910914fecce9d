// completion: one entry in the loop's ready queue.
//
// Whatever must happen in the loop's next turn (an I/O result to deliver, a
// notifier to fire, a deferred_call to run) is a completion linked into that
// queue. It lives inside the object that owns it, so queueing allocates
// nothing; notifier and deferred_call are the public ways to use one.
#pragma once

namespace coronet {

struct completion {
  using run_fn = void (*)(completion*) noexcept;

  run_fn run = nullptr;        // called once per queueing, on the loop thread
  completion* next = nullptr;  // the queue's intrusive link
};

}  // namespace coronet
