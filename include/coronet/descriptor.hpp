// descriptor: raw socket descriptors handed in or out by the layers above
// the core (node:net's `fd` options, BoundSocket): what one is, binding one
// before it listens, and closing one with its Unix socket file.
//
// Everything else about a descriptor belongs to the stream_socket or
// listener that adopts it.
#pragma once

#include <coronet/endpoint.hpp>
#include <coronet/listener.hpp>
#include <coronet/result.hpp>

#include <cstdint>
#include <string_view>
#include <system_error>

namespace coronet {

// libuv's uv_guess_handle, which Node asks before adopting an `fd`: a
// character device or a regular file is a file; a socket is told by its
// type and family.
enum class descriptor_kind : std::uint8_t { file, tcp, unix_stream, udp, unknown };
descriptor_kind guess_descriptor(int fd) noexcept;

// A new non-blocking stream socket bound to `at` with `options` applied
// (all but the backlog), not yet listening: listener::listen_bound takes it
// from there. EADDRINUSE, EACCES, ... in `ec`.
result<int> open_bound_socket(const endpoint& at, const listen_options& options = {});

// The address a descriptor is bound to (getsockname).
result<endpoint> bound_endpoint(int fd);

void close_descriptor(int fd) noexcept;

// Removes a Unix socket's file. An abstract name ('\0' first) or an empty
// path has none and is left alone.
std::error_code remove_socket_file(std::string_view path) noexcept;

}  // namespace coronet
