// net::bound_socket: Node's net.BoundSocket, a socket bound up front.
//
// Binding happens in the constructor, so a port is reserved (or a Unix path
// taken) synchronously, and a conflict such as EADDRINUSE throws there. The
// socket is then adopted by server::listen({.handle = &b}) or by a client
// (socket_options::handle), which uses it as the connection's source
// binding. After adoption address(), fd() and close() throw
// ERR_SOCKET_HANDLE_ADOPTED. One never adopted is closed by its destructor;
// closing a pipe bound_socket removes its file system entry.
#pragma once

#include <coronet/net/address_info.hpp>

#include <string>

namespace coronet::net {

struct bound_socket_options {
  std::string host{};  // numeric IP literal; default 0.0.0.0, or :: with ipv6_only
  int port = 0;        // 0: an ephemeral port
  bool ipv6_only = false;
  bool reuse_port = false;
  std::string path{};  // a Unix socket instead ("\0name": abstract); excludes the above
};

class bound_socket {
 public:
  // Throws net::error for bad options (ERR_INVALID_ARG_VALUE,
  // ERR_SOCKET_BAD_PORT) and std::system_error for bind failures, with
  // Node's message ("bind EADDRINUSE 0.0.0.0:80").
  explicit bound_socket(bound_socket_options options = {});
  ~bound_socket();
  bound_socket(const bound_socket&) = delete;
  bound_socket& operator=(const bound_socket&) = delete;

  server_address address() const;
  bool is_pipe() const noexcept { return !path_.empty(); }
  int fd() const;
  void close();

  // Adoption: hands the descriptor over (to a server or a socket).
  int adopt();
  const std::string& path() const noexcept { return path_; }

 private:
  void check_owned() const;

  int fd_ = -1;
  bool adopted_ = false;
  std::string path_;  // the pipe's path (or abstract name), if a pipe
};

}  // namespace coronet::net
