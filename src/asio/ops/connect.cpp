// Asio connect: connect(), then, once in progress, SO_ERROR when writable.
#include "asio/asio_backend.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace coronet::detail {

int asio_backend::perform(int fd, connect_op& op) noexcept {
  if (op.in_progress) {  // writable now, so it is decided
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
    return err == 0 ? 0 : (err == EINPROGRESS ? -EAGAIN : -err);
  }
  if (::connect(fd, op.addr, op.addrlen) == 0) return 0;
  if (errno == EINPROGRESS || errno == EINTR) {  // EINTR: it goes on in the background
    op.in_progress = true;
    return -EAGAIN;
  }
  return -errno;  // includes EAGAIN: a full Unix socket backlog
}

}  // namespace coronet::detail
