// op_fifo: an intrusive FIFO of io_ops, linked through io_op::next. Used for
// the loop's ready queue and a backend's waiting operations; allocates nothing.
#pragma once

#include <coronet/detail/io_op.hpp>

namespace coronet::detail {

// A FIFO of waiting ops, linked through io_op::next.
struct op_fifo {
  io_op* head = nullptr;
  io_op* tail = nullptr;

  bool empty() const noexcept { return head == nullptr; }
  void push(io_op* op) noexcept {
    op->next = nullptr;
    (tail ? tail->next : head) = op;
    tail = op;
  }
  io_op* pop() noexcept {
    io_op* op = head;
    if (op) {
      head = op->next;
      if (!head) tail = nullptr;
      op->next = nullptr;
    }
    return op;
  }
  bool remove(io_op* op) noexcept {
    io_op* prev = nullptr;
    for (io_op* p = head; p; prev = p, p = p->next) {
      if (p != op) continue;
      (prev ? prev->next : head) = p->next;
      if (tail == p) tail = prev;
      p->next = nullptr;
      return true;
    }
    return false;
  }
};

}  // namespace coronet::detail
