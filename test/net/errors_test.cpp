// The node:net error category and exception type.
#include <doctest/doctest.h>

#include <coronet/net/errors.hpp>

#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <system_error>

namespace net = coronet::net;

TEST_CASE("the category is called node:net and names each code") {
  std::error_code ec = net::errc::ERR_SOCKET_BAD_PORT;  // via is_error_code_enum
  CHECK(std::string(ec.category().name()) == "node:net");
  CHECK(ec.message() == "ERR_SOCKET_BAD_PORT");
  CHECK(ec == net::make_error_code(net::errc::ERR_SOCKET_BAD_PORT));
  CHECK(ec != net::make_error_code(net::errc::ERR_OUT_OF_RANGE));
}

TEST_CASE("code_name gives Node's code for every errc value") {
  struct row {
    net::errc code;
    const char* name;
  };
  const row rows[] = {
      {net::errc::ERR_INVALID_ARG_TYPE, "ERR_INVALID_ARG_TYPE"},
      {net::errc::ERR_INVALID_ARG_VALUE, "ERR_INVALID_ARG_VALUE"},
      {net::errc::ERR_OUT_OF_RANGE, "ERR_OUT_OF_RANGE"},
      {net::errc::ERR_SOCKET_BAD_PORT, "ERR_SOCKET_BAD_PORT"},
      {net::errc::ERR_INVALID_ADDRESS, "ERR_INVALID_ADDRESS"},
      {net::errc::ERR_INVALID_ADDRESS_FAMILY, "ERR_INVALID_ADDRESS_FAMILY"},
      {net::errc::ERR_INVALID_IP_ADDRESS, "ERR_INVALID_IP_ADDRESS"},
      {net::errc::ERR_SERVER_ALREADY_LISTEN, "ERR_SERVER_ALREADY_LISTEN"},
      {net::errc::ERR_SERVER_NOT_RUNNING, "ERR_SERVER_NOT_RUNNING"},
      {net::errc::ERR_SOCKET_CLOSED, "ERR_SOCKET_CLOSED"},
      {net::errc::ERR_SOCKET_CLOSED_BEFORE_CONNECTION, "ERR_SOCKET_CLOSED_BEFORE_CONNECTION"},
      {net::errc::ERR_SOCKET_CONNECTION_TIMEOUT, "ERR_SOCKET_CONNECTION_TIMEOUT"},
      {net::errc::ERR_INVALID_HANDLE_TYPE, "ERR_INVALID_HANDLE_TYPE"},
      {net::errc::ERR_IP_BLOCKED, "ERR_IP_BLOCKED"},
      {net::errc::ERR_MISSING_ARGS, "ERR_MISSING_ARGS"},
      {net::errc::ERR_STREAM_DESTROYED, "ERR_STREAM_DESTROYED"},
      {net::errc::ERR_STREAM_WRITE_AFTER_END, "ERR_STREAM_WRITE_AFTER_END"},
      {net::errc::ERR_INVALID_FD_TYPE, "ERR_INVALID_FD_TYPE"},
      {net::errc::ERR_SOCKET_BAD_BUFFER_SIZE, "ERR_SOCKET_BAD_BUFFER_SIZE"},
  };
  for (const auto& r : rows) {
    CHECK(net::code_name(r.code) == r.name);
    CHECK(net::make_error_code(r.code).message() == r.name);
  }
  CHECK(net::code_name(static_cast<net::errc>(999)).empty());
}

TEST_CASE("net::error keeps Node's message as what() and exposes the code") {
  try {
    throw net::error(net::errc::ERR_INVALID_ADDRESS, "Invalid socket address");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()) == "Invalid socket address");
    CHECK(e.code() == net::errc::ERR_INVALID_ADDRESS);
    const auto& ne = dynamic_cast<const net::error&>(e);
    CHECK(ne.code_name() == "ERR_INVALID_ADDRESS");
    CHECK(ne.value() == net::errc::ERR_INVALID_ADDRESS);
  }
}
