// Small socket helpers shared by stream_socket, listener and the backends.
#pragma once

#include <coronet/endpoint.hpp>
#include <coronet/result.hpp>

namespace coronet::detail {

struct io_handle;

void set_nonblocking(int fd) noexcept;
result<endpoint> local_endpoint_of(const io_handle* h);
result<endpoint> remote_endpoint_of(const io_handle* h);

}  // namespace coronet::detail
