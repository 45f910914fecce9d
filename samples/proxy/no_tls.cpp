// The proxy built without coronet::tls (-Dtls=disabled, or no OpenSSL): the
// TLS flags are refused with a reason instead of being ignored.
#include "proxy.hpp"

#include <stdexcept>

void run_tls_worker(worker&, coronet::endpoint, bool, const options&, std::promise<coronet::endpoint> ready) {
  ready.set_exception(std::make_exception_ptr(std::runtime_error("built without TLS (coronet::tls is disabled)")));
}
