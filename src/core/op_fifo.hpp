// intrusive_fifo: a FIFO linked through completion::next, allocating nothing.
// The loop's ready queue holds completions; a backend's waiting operations
// are io_ops (an io_op is a completion).
#pragma once

#include <coronet/completion.hpp>
#include <coronet/detail/io_op.hpp>

namespace coronet::detail {

template <class T>
struct intrusive_fifo {
  T* head = nullptr;
  T* tail = nullptr;

  static T* next_of(T* p) noexcept { return static_cast<T*>(p->next); }

  bool empty() const noexcept { return head == nullptr; }
  void push(T* op) noexcept {
    op->next = nullptr;
    if (tail)
      tail->next = op;
    else
      head = op;
    tail = op;
  }
  T* pop() noexcept {
    T* op = head;
    if (op) {
      head = next_of(op);
      if (!head) tail = nullptr;
      op->next = nullptr;
    }
    return op;
  }
  bool remove(T* op) noexcept {
    T* prev = nullptr;
    for (T* p = head; p; prev = p, p = next_of(p)) {
      if (p != op) continue;
      if (prev)
        prev->next = p->next;
      else
        head = next_of(p);
      if (tail == p) tail = prev;
      p->next = nullptr;
      return true;
    }
    return false;
  }
};

using op_fifo = intrusive_fifo<io_op>;
using completion_fifo = intrusive_fifo<completion>;

}  // namespace coronet::detail
