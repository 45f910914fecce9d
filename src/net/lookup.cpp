#include "lookup.hpp"

#include <coronet/error.hpp>
#include <coronet/keep_alive.hpp>

#include <arpa/inet.h>
#include <netdb.h>

#include <thread>

namespace coronet::net::detail {

namespace {
// Node reports resolver failures with DNS codes, not errno names.
std::string dns_code(int gai_error) {
  switch (gai_error) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
      return "ENOTFOUND";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_MEMORY: return "EAI_MEMORY";
    default: return "EAI_FAIL";
  }
}
}  // namespace

void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done) {
  // The loop stays alive until the answer is delivered; the token is
  // released on the loop thread, inside the posted function.
  auto hold = std::make_shared<keep_alive>(l);
  std::thread([&l, host = std::move(host), family, hints, done = std::move(done), hold]() mutable {
    addrinfo want{};
    want.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    want.ai_socktype = SOCK_STREAM;
    want.ai_flags = hints;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &want, &found);
    std::vector<resolved> out;
    for (addrinfo* a = found; rc == 0 && a; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      if (a->ai_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
        out.push_back({text, 4});
      } else if (a->ai_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text, sizeof text);
        out.push_back({text, 6});
      }
    }
    if (found) ::freeaddrinfo(found);
    l.post([host = std::move(host), rc, out = std::move(out), done = std::move(done), hold = std::move(hold)]() mutable {
      if (rc != 0 || out.empty()) {
        error_info e;
        e.code = dns_code(rc == 0 ? EAI_NONAME : rc);
        e.ec = errno_code(rc == EAI_AGAIN ? EAGAIN : ENOENT);
        e.syscall = "getaddrinfo";
        e.address = host;
        e.message = "getaddrinfo " + e.code + ' ' + host;
        done(&e, {});
      } else {
        done(nullptr, std::move(out));
      }
      hold->reset();
    });
  }).detach();
}

}  // namespace coronet::net::detail
