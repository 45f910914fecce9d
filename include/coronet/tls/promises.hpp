// tls::promises: the coroutine form of tls.connect, beside net::promises.
//
//     auto [err, sock] = co_await tls::promises::connect(l, {.port = 8443, .ca = "ca.crt"});
//
// Resolves at `secureConnect`, rejects at `error` (a refused handshake, a
// certificate that did not verify, ECONNREFUSED, ...). A stop request ends
// it with an AbortError and destroys the socket.
#pragma once

#include <coronet/net/promises.hpp>
#include <coronet/task.hpp>
#include <coronet/tls/connect.hpp>
#include <coronet/tls/promise_args.hpp>

#include <concepts>

#include <memory>
#include <stop_token>

namespace coronet::tls::promises {

// Braced options are connect_args (promise_args.hpp says why); named ones
// connect_options.
task<net::promises::outcome<std::shared_ptr<socket>>> connect(loop& l, connect_args args, std::stop_token stop = {});
task<net::promises::outcome<std::shared_ptr<socket>>> connect_owned(loop& l, connect_options options,
                                                                    std::stop_token stop);
template <std::same_as<connect_options> Options>  // a template, so a braced list never picks it
task<net::promises::outcome<std::shared_ptr<socket>>> connect(loop& l, const Options& options,
                                                              std::stop_token stop = {}) {
  return connect_owned(l, options, std::move(stop));
}

}  // namespace coronet::tls::promises
