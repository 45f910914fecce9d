// probe_backends() and the words of the "io_uring unavailable" notice: both
// look at the same places (io_uring_setup's errno, the io_uring_disabled
// sysctl, the seccomp mode) so that what --info says and what the loop says
// on stderr agree.
#include "backend.hpp"

#include <coronet/backend_info.hpp>
#include <coronet/error.hpp>

#include <sys/utsname.h>

#if CORONET_HAVE_URING
#include <liburing.h>
#include <sys/mman.h>
#endif

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#ifndef IORING_FEAT_RECVSEND_BUNDLE  // liburing 2.3 (Debian 12) predates it
#define IORING_FEAT_RECVSEND_BUNDLE (1U << 14)
#endif

namespace coronet {

namespace {

// The first integer in `path` after `key` (empty key: at the start), or -1.
int read_number(const char* path, std::string_view key = {}) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) != 0) continue;
    const char* p = line.c_str() + key.size();
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    return end == p ? -1 : static_cast<int>(v);
  }
  return -1;
}

int io_uring_disabled_sysctl() { return read_number("/proc/sys/kernel/io_uring_disabled"); }
int seccomp_mode() { return read_number("/proc/self/status", "Seccomp:"); }

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

#if CORONET_HAVE_URING
// Sets up small rings and asks the kernel what it offers. Returns
// io_uring_setup's errno, 0 when it worked.
int probe_uring(uring_features& f) {
  io_uring ring{};
  io_uring_params p{};
  if (int rc = io_uring_queue_init_params(8, &ring, &p); rc < 0) return -rc;
  f.receive_bundles = (p.features & IORING_FEAT_RECVSEND_BUNDLE) != 0;
  // Multishot accept and receive are flags, not opcodes, so the probe cannot
  // show them; each came with an opcode of the same kernel release.
  if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
    f.multishot_accept = io_uring_opcode_supported(probe, IORING_OP_SOCKET);  // 5.19
    f.zero_copy_send = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);   // 6.0
    f.multishot_receive = f.zero_copy_send;                                   // 6.0
    io_uring_free_probe(probe);
  }
  // A provided-buffer ring is tried for real, as the backend registers one.
  constexpr unsigned entries = 8;
  void* mem =
      ::mmap(nullptr, entries * sizeof(io_uring_buf), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem != MAP_FAILED) {
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(mem);
    reg.ring_entries = entries;
    reg.bgid = 0;
    f.provided_buffer_rings = io_uring_register_buf_ring(&ring, &reg, 0) == 0;
    if (f.provided_buffer_rings) io_uring_unregister_buf_ring(&ring, 0);
    ::munmap(mem, entries * sizeof(io_uring_buf));
  }
  io_uring_queue_exit(&ring);
  io_uring_params deferred{};
  deferred.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(8, &ring, &deferred) == 0) {
    f.defer_taskrun = true;
    io_uring_queue_exit(&ring);
  }
  return 0;
}
#endif

// "unknown(N)" for every value a backend_kind can hold, made at compile
// time so that to_string can return a view of it without allocating.
struct unknown_name {
  char text[sizeof "unknown(255)"] = {};
  std::size_t size = 0;
};

constexpr std::array<unknown_name, 256> make_unknown_names() {
  std::array<unknown_name, 256> names{};
  for (unsigned v = 0; v < names.size(); ++v) {
    unknown_name& n = names[v];
    for (char c : std::string_view("unknown(")) n.text[n.size++] = c;
    if (v >= 100) n.text[n.size++] = static_cast<char>('0' + v / 100);
    if (v >= 10) n.text[n.size++] = static_cast<char>('0' + v / 10 % 10);
    n.text[n.size++] = static_cast<char>('0' + v % 10);
    n.text[n.size++] = ')';
  }
  return names;
}

constexpr std::array<unknown_name, 256> unknown_names = make_unknown_names();

}  // namespace

std::string_view to_string(backend_kind k) noexcept {
  switch (k) {
    case backend_kind::uring:
      return "uring";
    case backend_kind::asio:
      return "asio";
  }
  // A value cast from an integer out of range: named as what it is, never
  // taken for one of the backends.
  const unknown_name& n = unknown_names[static_cast<std::uint8_t>(k)];
  return {n.text, n.size};
}

namespace detail {

std::string uring_setup_failure(int err) {
  std::string r = "io_uring_setup: " + error_name(errno_code(err)) + ", " + std::strerror(err);
  if (int disabled = io_uring_disabled_sysctl(); disabled > 0)
    r += disabled == 1 ? "; sysctl kernel.io_uring_disabled = 1 (only the kernel.io_uring_group may use it)"
                       : "; sysctl kernel.io_uring_disabled = " + std::to_string(disabled) + " (no one may use it)";
  else if (seccomp_mode() > 0)
    r += "; a seccomp filter is on this process (Seccomp: " + std::to_string(seccomp_mode()) +
         " in /proc/self/status), as in many containers";
  else if (err == ENOSYS)
    r += "; kernel " + kernel_release() + " has no io_uring";
  else if (err == ENOMEM)
    r += "; the locked-memory limit (ulimit -l) may be too low";
  return r;
}

std::string uring_failure_reason(const std::system_error& e) {
  constexpr std::string_view setup = "io_uring_queue_init";
  if (std::string_view(e.what()).starts_with(setup)) return uring_setup_failure(e.code().value());
  // io_uring itself works; a feature the backend needs does not.
  return std::string(e.what()) + "; kernel " + kernel_release() +
         " may be too old (the backend needs provided-buffer rings and multishot accept, 5.19, "
         "and multishot receive, 6.0)";
}

}  // namespace detail

backend_info probe_backends() {
  backend_info info;
  info.kernel = kernel_release();
  info.io_uring_disabled = io_uring_disabled_sysctl();
  info.seccomp = seccomp_mode();
#if CORONET_HAVE_URING
  info.setup_errno = probe_uring(info.features);
#endif
  const char* env = std::getenv("CORONET_BACKEND");
  std::string_view forced = env ? env : "";
  const uring_features& f = info.features;
  bool uring_can_run = backend_compiled(backend_kind::uring) && info.setup_errno == 0 && f.provided_buffer_rings &&
                       f.multishot_accept && f.multishot_receive;
  if (forced == "asio") {
    info.reason = "CORONET_BACKEND=asio forces the Asio backend";
  } else if (!backend_compiled(backend_kind::uring)) {
    info.reason = "coronet was built without the io_uring backend (liburing >= 2.3 was not found)";
  } else if (info.setup_errno != 0) {
    info.reason = detail::uring_setup_failure(info.setup_errno);
  } else if (!uring_can_run) {
    info.reason = "kernel " + info.kernel +
                  " is too old for the io_uring backend (it needs provided-buffer rings and multishot "
                  "accept, 5.19, and multishot receive, 6.0)";
  }
  info.backend = info.reason.empty() ? backend_kind::uring : backend_kind::asio;
  if (info.backend == backend_kind::asio && !backend_compiled(backend_kind::asio)) {
    info.backend = backend_kind::uring;  // the only one built; a loop will throw
    info.reason += "; and coronet was built without the Asio backend, so a loop cannot start";
  }
  return info;
}

std::string to_string(const backend_info& info) {
  std::string s = "backend: " + std::string(to_string(info.backend)) + "\n";
  s += "why not io_uring: " + (info.reason.empty() ? std::string("-") : info.reason) + "\n";
  s += "kernel: " + info.kernel + "\n";
  s += "kernel.io_uring_disabled: " +
       (info.io_uring_disabled < 0 ? std::string("absent") : std::to_string(info.io_uring_disabled)) + "\n";
  s += "seccomp: " +
       std::string(info.seccomp == 0   ? "none"
                   : info.seccomp == 1 ? "strict"
                   : info.seccomp == 2 ? "filter"
                                       : "unknown") +
       "\n";
  const uring_features& f = info.features;
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  s += std::string("io_uring features: multishot accept ") + yes(f.multishot_accept) + ", multishot receive " +
       yes(f.multishot_receive) + ", provided-buffer rings " + yes(f.provided_buffer_rings) + ", DEFER_TASKRUN " +
       yes(f.defer_taskrun) + ", zero-copy send " + yes(f.zero_copy_send) + ", receive bundles " +
       yes(f.receive_bundles) + "\n";
  return s;
}

}  // namespace coronet
