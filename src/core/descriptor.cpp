#include <coronet/descriptor.hpp>
#include <coronet/error.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace coronet {

descriptor_kind guess_descriptor(int fd) noexcept {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return descriptor_kind::unknown;
  if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) return descriptor_kind::file;
  if (!S_ISSOCK(st.st_mode)) return descriptor_kind::unknown;
  int type = 0, family = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) return descriptor_kind::unknown;
  len = sizeof family;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0) return descriptor_kind::unknown;
  const bool ip = family == AF_INET || family == AF_INET6;
  if (type == SOCK_STREAM && ip) return descriptor_kind::tcp;
  if (type == SOCK_STREAM && family == AF_UNIX) return descriptor_kind::unix_stream;
  if (type == SOCK_DGRAM && ip) return descriptor_kind::udp;
  return descriptor_kind::unknown;
}

result<endpoint> bound_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return {errno_code(errno), {}};
  return {{}, endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len)};
}

void close_descriptor(int fd) noexcept {
  if (fd >= 0) ::close(fd);
}

std::error_code remove_socket_file(std::string_view path) noexcept {
  if (path.empty() || path.front() == '\0') return {};
  try {
    if (::unlink(std::string(path).c_str()) < 0) return errno_code(errno);
  } catch (const std::bad_alloc&) {
    return errno_code(ENOMEM);
  }
  return {};
}

}  // namespace coronet
