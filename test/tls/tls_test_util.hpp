// Helpers for the TLS tests: the certificates make_certs.sh made for this
// build (CORONET_TLS_CERTS), and a server on a free loopback port.
#pragma once

#include <coronet/tls/connect.hpp>
#include <coronet/tls/server.hpp>

#include <string>

#include "../net/io/net_test_util.hpp"
#include "../test_util.hpp"

namespace coronet::test {

inline std::string cert(const char* name) { return std::string(CORONET_TLS_CERTS) + "/" + name; }

// The usual server: localhost's certificate from the test CA.
inline tls::server_options server_tls() { return {.key = cert("server.key"), .cert = cert("server.crt")}; }

// A client that trusts the test CA.
inline tls::connect_options client_tls(int port) { return {.port = port, .host = "localhost", .ca = cert("ca.crt")}; }

inline int port_of(const tls::server& s) { return port_of(static_cast<const net::server&>(s)); }

}  // namespace coronet::test
