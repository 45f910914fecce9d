// tls::promises: the coroutine form of tls.connect, beside net::promises.
//
//     tls::connect_options o{.port = 8443, .ca = "ca.crt"};
//     auto [err, sock] = co_await tls::promises::connect(l, o);
//
// Resolves at `secureConnect`, rejects at `error` (a refused handshake, a
// certificate that did not verify, ECONNREFUSED, ...). A stop request ends
// it with an AbortError and destroys the socket.
#pragma once

#include <coronet/net/promises.hpp>
#include <coronet/task.hpp>
#include <coronet/tls/connect.hpp>

#include <memory>
#include <stop_token>

namespace coronet::tls::promises {

// (Takes the options by pointer inside: name the options before co_await,
// g++ 12 destroys a braced temporary in a co_await expression twice.)
task<net::promises::outcome<std::shared_ptr<socket>>> connect(loop& l, const connect_options& options,
                                                              std::stop_token stop = {});

}  // namespace coronet::tls::promises
