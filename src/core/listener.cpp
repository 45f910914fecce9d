#include <coronet/descriptor.hpp>
#include <coronet/error.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>

#include "loop_impl.hpp"
#include "posix_compat.hpp"
#include "socket_util.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace coronet {

namespace {
std::error_code set_flag(int fd, int level, int name, bool on) {
  int v = on;
  if (::setsockopt(fd, level, name, &v, sizeof v) < 0) return errno_code(errno);
  return {};
}

std::error_code prepare(int fd, const endpoint& at, const listen_options& o) {
  if (at.is_ip()) {
    if (o.reuse_address)
      if (auto ec = set_flag(fd, SOL_SOCKET, SO_REUSEADDR, true)) return ec;
    if (at.family() == AF_INET6)
      if (auto ec = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, o.ipv6_only)) return ec;
  }
  if (o.reuse_port)
    if (auto ec = set_flag(fd, SOL_SOCKET, SO_REUSEPORT, true)) return ec;
  if (::bind(fd, at.data(), at.size()) < 0) return errno_code(errno);
  if (at.is_unix() && !at.is_abstract() && o.add_file_permissions != 0) {
    // After bind, the file exists; who may connect is whoever may write it.
    const std::string path = at.address();
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return errno_code(errno);
    if (::chmod(path.c_str(), st.st_mode | o.add_file_permissions) < 0) return errno_code(errno);
  }
  return {};
}
}  // namespace

result<int> open_bound_socket(const endpoint& at, const listen_options& options) {
  if (at.empty()) return {errno_code(EINVAL), -1};
  int fd = detail::open_stream_socket(at.family());
  if (fd < 0) return {errno_code(errno), -1};
  if (auto ec = prepare(fd, at, options)) {
    ::close(fd);
    return {ec, -1};
  }
  return {{}, fd};
}

listener::listener(listener&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

listener& listener::operator=(listener&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

result<listener> listener::listen(loop& l, const endpoint& at, listen_options options) {
  auto bound = open_bound_socket(at, options);
  if (!bound) return {bound.ec, {}};
  return listen_bound(l, bound.value, options.backlog);
}

result<listener> listener::listen_bound(loop& l, int fd, int backlog) {
  if (::listen(fd, backlog) < 0) {
    const int err = errno;
    ::close(fd);
    return {errno_code(err), {}};
  }
  detail::set_nonblocking(fd);
  listener out;
  detail::impl_of(l).reserve_spare_fd();
  out.handle_ = detail::impl_of(l).io().attach(fd);
  return {{}, std::move(out)};
}

result<listener> listener::adopt(loop& l, int fd) {
  int accepting = 0;
  socklen_t len = sizeof accepting;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0) return {errno_code(errno), {}};
  if (!accepting) return {errno_code(EINVAL), {}};
  detail::set_nonblocking(fd);
  detail::impl_of(l).reserve_spare_fd();
  listener out;
  out.handle_ = detail::impl_of(l).io().attach(fd);
  return {{}, std::move(out)};
}

void listener::close() noexcept {
  auto* h = std::exchange(handle_, nullptr);
  if (!h) return;
  // TRICKY: an accept the kernel holds (io_uring's multishot) keeps the file
  // open until its cancellation completes, a loop turn later; meanwhile the
  // socket would still take connections into its backlog. shutdown() stops
  // listening now, so a new connection is refused at once.
  if (h->fd >= 0) ::shutdown(h->fd, SHUT_RD);
  detail::close_handle(h);
}

int listener::native_handle() const noexcept { return handle_ ? handle_->fd : -1; }
result<endpoint> listener::local_endpoint() const { return detail::local_endpoint_of(handle_); }

void listener::ref() noexcept {
  if (handle_) detail::set_handle_ref(handle_, true);
}
void listener::unref() noexcept {
  if (handle_) detail::set_handle_ref(handle_, false);
}

listener::accept_awaitable listener::accept(std::stop_token stop) { return {handle_, std::move(stop)}; }

listener::accept_awaitable::accept_awaitable(detail::io_handle* h, std::stop_token stop) noexcept
    : io_awaitable(h, std::move(stop)) {}

result<stream_socket> listener::accept_awaitable::await_resume() noexcept {
  if (op_.res < 0) return {error(), {}};
  auto& l = *owner_loop();
  return {{}, stream_socket::adopt_handle(l.io().attach(op_.res))};
}

}  // namespace coronet
