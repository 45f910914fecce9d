// Asio accept: accept4 (or accept + fcntl where it is missing); out of
// descriptors, the backlog is emptied so readiness does not fire forever.
#include "asio/asio_backend.hpp"
#include "core/posix_compat.hpp"

#include <cerrno>

namespace coronet::detail {

int asio_backend::perform(asio_handle* h, accept_op&) noexcept {
  int s = accept_nonblocking(h->fd);
  h->accept_exhausted = s < 0 && (errno == EMFILE || errno == ENFILE);
  if (s >= 0) return s;
  const int err = last_error();
  // Out of descriptors: empty the backlog, or readiness fires forever.
  if (h->accept_exhausted) loop_.shed_waiting_connections(h->fd);
  return err;
}

}  // namespace coronet::detail
