// backend_info: which backend a loop made here would run on, and why.
//
// probe_backends() sets up a throw-away io_uring (as a loop would), and says
// either "io_uring" or why not: the errno of io_uring_setup, the
// kernel.io_uring_disabled sysctl, a seccomp filter, a kernel that lacks
// what the backend needs, or CORONET_BACKEND=asio. It also lists the io_uring
// features this kernel offers. `echo --info` prints it.
#pragma once

#include <coronet/loop.hpp>

#include <string>

namespace coronet {

// io_uring features, as the running kernel reports them (all false when
// io_uring cannot be set up, or the backend is not built in).
struct uring_features {
  bool multishot_accept = false;       // 5.19; the backend needs it
  bool multishot_receive = false;      // 6.0; the backend needs it
  bool provided_buffer_rings = false;  // 5.19; the backend needs it
  bool defer_taskrun = false;          // 6.1; used when offered
  bool zero_copy_send = false;         // 6.0 (IORING_OP_SEND_ZC)
  bool receive_bundles = false;        // 6.10 (IORING_FEAT_RECVSEND_BUNDLE)
};

struct backend_info {
  backend_kind backend = backend_kind::asio;  // what a loop made now would use
  // Why not io_uring; empty when io_uring is used.
  std::string reason;
  // io_uring_setup's errno (0: it worked, or was not tried).
  int setup_errno = 0;
  // /proc/sys/kernel/io_uring_disabled (-1: absent) and the Seccomp field of
  // /proc/self/status (0 none, 1 strict, 2 filter; -1: unknown).
  int io_uring_disabled = -1;
  int seccomp = -1;
  std::string kernel;  // uname -r
  uring_features features;
};

// Probes this process and machine; honours CORONET_BACKEND. No loop needed.
backend_info probe_backends();

// A few lines for people: backend, reason, kernel, features.
std::string to_string(const backend_info& info);

}  // namespace coronet
