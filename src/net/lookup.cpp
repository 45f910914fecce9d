#include "lookup.hpp"

#include <coronet/error.hpp>
#include <coronet/keep_alive.hpp>

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace coronet::net::detail {

namespace {

// A few threads that run blocking getaddrinfo calls, started on demand and
// kept for the life of the process (idle ones only wait on a condition
// variable). At most max_threads lookups run at once; the rest queue, as in
// libuv's threadpool.
class resolver_pool {
 public:
  static constexpr std::size_t max_threads = 4;

  static resolver_pool& instance() {
    // Never destroyed: a worker may still sit in getaddrinfo at exit.
    static resolver_pool* pool = new resolver_pool;
    return *pool;
  }

  void submit(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    if (queue_.size() > idle_ && threads_ < max_threads) {
      ++threads_;
      std::thread([this] { work(); }).detach();
    } else {
      ready_.notify_one();
    }
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      ready_.wait(lock, [this] { return !queue_.empty(); });
      --idle_;
      auto job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
};

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

// getaddrinfo on the calling (pool) thread: every stream address, once.
int lookup_all(const std::string& host, int family, int hints, std::vector<resolved>& out) {
  addrinfo want{};
  want.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
  want.ai_socktype = SOCK_STREAM;
  want.ai_flags = hints;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &want, &found);
  for (addrinfo* a = found; rc == 0 && a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    resolved r;
    if (a->ai_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
      r = {text, 4};
    } else if (a->ai_family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text, sizeof text);
      r = {text, 6};
    } else {
      continue;
    }
    bool seen = std::any_of(out.begin(), out.end(), [&](const resolved& o) { return o.address == r.address; });
    if (!seen) out.push_back(std::move(r));
  }
  if (found) ::freeaddrinfo(found);
  return rc;
}

}  // namespace

void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done) {
  // The loop stays alive until the answer is delivered; the token is
  // released on the loop thread, inside the posted function.
  auto hold = std::make_shared<keep_alive>(l);
  resolver_pool::instance().submit(
      [&l, host = std::move(host), family, hints, done = std::move(done), hold = std::move(hold)]() mutable {
        std::vector<resolved> out;
        const int rc = lookup_all(host, family, hints, out);
        l.post([host = std::move(host), rc, out = std::move(out), done = std::move(done),
                hold = std::move(hold)]() mutable {
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
      });
}

}  // namespace coronet::net::detail
