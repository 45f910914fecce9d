#include <coronet/tls/promises.hpp>

#include <coronet/net/errors.hpp>
#include <coronet/notifier.hpp>

namespace coronet::tls::promises {

namespace {
task<net::promises::outcome<std::shared_ptr<socket>>> connect_task(loop& l, std::unique_ptr<connect_options> options) {
  notifier woken(l);
  bool done = false;
  std::optional<net::error_info> failed;
  // connect() throws for bad arguments (as Node does) before any event.
  auto s = tls::connect(l, *options);
  auto on_secure = s->once<"secureConnect">([&] {
    done = true;
    woken.notify();
  });
  auto on_error = s->once<"error">([&](const net::error_info& e) {
    failed = e;
    done = true;
    woken.notify();
  });
  auto on_close = s->once<"close">([&](bool) {  // destroyed without an error
    if (!done) failed = net::error_info::node(net::make_error_code(net::errc::ERR_SOCKET_CLOSED), "Socket is closed");
    done = true;
    woken.notify();
  });
  while (!done) co_await woken;
  s->off<"secureConnect">(on_secure);
  s->off<"error">(on_error);
  s->off<"close">(on_close);
  if (failed) co_return {std::move(failed), nullptr};
  co_return {std::nullopt, std::move(s)};
}
}  // namespace

task<net::promises::outcome<std::shared_ptr<socket>>> connect(loop& l, const connect_options& options,
                                                              std::stop_token stop) {
  auto o = std::make_unique<connect_options>(options);
  if (stop.stop_possible()) o->signal = std::move(stop);
  return connect_task(l, std::move(o));
}

}  // namespace coronet::tls::promises
