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
    case EAI_AGAIN:
      return "EAI_AGAIN";
    case EAI_FAIL:
      return "EAI_FAIL";
    case EAI_MEMORY:
      return "EAI_MEMORY";
    default:
      return "EAI_FAIL";
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

namespace {
// One lookup in flight, shared by the pool thread and the loop. A loop
// destroyed before the answer comes ends it in its drain (loop.hpp): `done`
// gets ECANCELED there and the pool thread's answer is dropped, never posted
// to a loop that is gone.
struct pending_lookup {
  std::mutex mutex;
  loop* target;  // null once the loop stopped waiting (guarded by mutex)
  std::function<void(const error_info*, std::vector<resolved>)> done;
  keep_alive hold;

  void finish(const error_info* e, std::vector<resolved> found) {
    auto cb = std::move(done);
    done = nullptr;
    hold.reset();
    if (cb) cb(e, std::move(found));
  }
};

error_info lookup_error(int rc, const std::string& host) {
  error_info e;
  e.code = dns_code(rc == 0 ? EAI_NONAME : rc);
  e.ec = errno_code(rc == EAI_AGAIN ? EAGAIN : ENOENT);
  e.syscall = "getaddrinfo";
  e.address = host;
  e.message = "getaddrinfo " + e.code + ' ' + host;
  return e;
}
}  // namespace

int connect_hints(int family, int hints) noexcept {
  return family != 4 && family != 6 && hints == 0 ? AI_ADDRCONFIG : hints;
}

void resolve(loop& l, std::string host, int family, int hints,
             std::function<void(const error_info*, std::vector<resolved>)> done) {
  // The loop stays alive until the answer is delivered.
  auto state = std::make_shared<pending_lookup>();
  state->target = &l;
  state->done = std::move(done);
  state->hold = keep_alive(l);
  l.on_drain(state, [](void* p) noexcept {
    auto* s = static_cast<pending_lookup*>(p);
    {
      std::lock_guard lock(s->mutex);
      s->target = nullptr;
    }
    error_info e;
    e.code = "ECANCELED";
    e.ec = errno_code(ECANCELED);
    e.syscall = "getaddrinfo";
    e.message = "getaddrinfo ECANCELED";
    try {
      s->finish(&e, {});
    } catch (...) {
      // A callback that throws while the loop is being destroyed has nobody to tell.
    }
  });
  resolver_pool::instance().submit([state, host = std::move(host), family, hints]() mutable {
    std::vector<resolved> out;
    const int rc = lookup_all(host, family, hints, out);
    // TRICKY: the mutex keeps the loop from finishing its drain (and going
    // away) between the check and the post.
    std::lock_guard lock(state->mutex);
    if (!state->target) return;
    state->target->post([state, host = std::move(host), rc, out = std::move(out)]() mutable {
      if (rc != 0 || out.empty()) {
        auto e = lookup_error(rc, host);
        state->finish(&e, {});
      } else {
        state->finish(nullptr, std::move(out));
      }
    });
  });
}

lookup_awaitable::lookup_awaitable(loop& l, lookup_function fn, std::string host, int family, int hints, bool all)
    : loop_(l), fn_(std::move(fn)), host_(std::move(host)), family_(family), hints_(hints), all_(all) {}

bool lookup_awaitable::await_suspend(std::coroutine_handle<> h) {
  auto answered = [w = wait_](const error_info* err, std::vector<lookup_address> found) {
    if (w->answered) return;
    w->answered = true;
    if (err) w->answer.error = *err;
    w->answer.addresses = std::move(found);
    if (w->waiter) std::exchange(w->waiter, {}).resume();
  };
  if (fn_) {
    fn_(host_, family_, lookup_callback(std::move(answered), all_));
  } else {
    resolve(loop_, host_, family_, connect_hints(family_, hints_), std::move(answered));
  }
  if (wait_->answered) return false;  // answered inside the call
  wait_->waiter = h;
  return true;
}

}  // namespace coronet::net::detail
