#include <coronet/descriptor.hpp>
#include <coronet/endpoint.hpp>
#include <coronet/error.hpp>
#include <coronet/net/address/is_ip.hpp>
#include <coronet/net/bound_socket.hpp>
#include <coronet/net/error_info.hpp>
#include <coronet/net/errors.hpp>

#include "address/family_name.hpp"

#include <system_error>

namespace coronet::net {

namespace {
[[noreturn]] void throw_bind_error(int err, const std::string& where) {
  auto e = error_info::system(errno_code(err), "bind", where);
  throw std::system_error(e.ec, e.message);
}

using detail::family_name;
}  // namespace

bound_socket::bound_socket(bound_socket_options o) {
  if (!o.path.empty()) {
    if (!o.host.empty() || o.port != 0 || o.ipv6_only || o.reuse_port)
      throw error(errc::ERR_INVALID_ARG_VALUE,
                  "The argument 'options' is invalid: path cannot be combined with host, port, ipv6Only or reusePort");
  }
  if (o.port < 0 || o.port > 65535)
    throw error(errc::ERR_SOCKET_BAD_PORT,
                "options.port should be >= 0 and < 65536. Received " + std::to_string(o.port) + ".");
  result<endpoint> at;
  if (!o.path.empty()) {
    at = endpoint::unix_path(o.path);
    if (!at) throw_bind_error(at.ec.value(), o.path);
  } else {
    std::string host = o.host.empty() ? (o.ipv6_only ? "::" : "0.0.0.0") : o.host;
    if (!is_ip(host))
      throw error(errc::ERR_INVALID_ARG_VALUE,
                  "The argument 'options.host' must be a numeric IP address. Received '" + host + "'");
    at = endpoint::ip(host, static_cast<std::uint16_t>(o.port));
  }
  auto bound = open_bound_socket(*at, {.reuse_address = true, .reuse_port = o.reuse_port, .ipv6_only = o.ipv6_only});
  if (!bound) throw_bind_error(bound.ec.value(), at->to_string());
  fd_ = bound.value;
  path_ = o.path;
}

bound_socket::~bound_socket() {
  if (!adopted_ && fd_ >= 0) close();
}

void bound_socket::check_owned() const {
  if (adopted_) throw error(errc::ERR_SOCKET_HANDLE_ADOPTED, "The socket handle has already been adopted");
}

server_address bound_socket::address() const {
  check_owned();
  if (fd_ < 0) return {};
  if (is_pipe()) return path_;
  auto e = bound_endpoint(fd_);
  if (!e) return {};
  return address_info{e->address(), family_name(e->family()), e->port()};
}

int bound_socket::fd() const {
  check_owned();
  return fd_;
}

void bound_socket::close() {
  check_owned();
  if (fd_ < 0) return;
  close_descriptor(std::exchange(fd_, -1));
  if (is_pipe()) remove_socket_file(path_);
}

int bound_socket::adopt() {
  check_owned();
  if (fd_ < 0) throw error(errc::ERR_SOCKET_CLOSED, "Socket is closed");
  adopted_ = true;
  return std::exchange(fd_, -1);
}

}  // namespace coronet::net
