// net::stream_layer: a socket's byte stream passes through a layer on its
// way in and out. A trivial layer (XOR with a key byte) shows each hook:
// bytes are transformed both ways, writes are held until the layer opens
// its gate (as TLS holds them until the handshake), end() lets the layer
// send a trailer before the FIN, and a pause in the middle of what the
// layer delivers keeps the rest until resume.
#include <coronet/net/server.hpp>
#include <coronet/net/socket.hpp>
#include <coronet/net/stream_layer.hpp>

#include <string>
#include <vector>

#include "net_test_util.hpp"

using namespace coronet;

namespace {

class xor_layer final : public net::stream_layer {
 public:
  // gated: writes wait until the first byte from the peer arrives.
  // trailer: sent (XORed) by end() before the FIN.
  xor_layer(char key, bool gated, std::string trailer = {}) : key_(key), open_(!gated), trailer_(std::move(trailer)) {}

  void on_receive(std::string_view bytes) override {
    rest_.append(bytes);
    on_resume();
  }
  bool has_pending() const noexcept override { return !rest_.empty(); }
  // One byte per `data`, so that a pause lands between two of them.
  void on_resume() override {
    while (!rest_.empty() && !paused()) {
      if (!open_) open();
      const char c = static_cast<char>(rest_.front() ^ key_);
      rest_.erase(0, 1);
      emit_data(std::string_view(&c, 1));
    }
  }
  void on_write(std::string_view data, net::write_callback cb) override {
    if (!open_) {
      held_.emplace_back(std::string(data), std::move(cb));
      held_bytes_ += data.size();
      return;
    }
    std::string out(data);
    for (char& c : out) c = static_cast<char>(c ^ key_);
    send(out, std::move(cb));
  }
  std::size_t held() const noexcept override { return held_bytes_; }
  void on_end() override {
    ending_ = true;
    if (open_) send_trailer();
  }
  bool ready_to_finish() const noexcept override { return open_; }

 private:
  void open() {
    open_ = true;
    held_bytes_ = 0;
    for (auto& [data, cb] : std::exchange(held_, {})) on_write(data, std::move(cb));
    if (ending_) send_trailer();
  }
  void send_trailer() {
    if (!trailer_.empty()) on_write(std::exchange(trailer_, {}), {});
  }

  char key_;
  bool open_;
  bool ending_ = false;
  std::string trailer_;
  std::string rest_;
  std::vector<std::pair<std::string, net::write_callback>> held_;
  std::size_t held_bytes_ = 0;
};

}  // namespace

TEST_CASE("a layer transforms what goes out and what comes in, both ways") {
  loop l;
  std::string server_saw, client_saw;
  auto srv = net::create_server(l, [&](net::socket& s) {
    // The server reads the client's bytes raw: they must be XORed on the wire.
    s.on<"data">([&, &s = s](std::string_view d) {
      server_saw += d;
      if (server_saw.size() == 5) {
        std::string reply = "world";
        for (char& c : reply) c = static_cast<char>(c ^ 0x21);
        s.end(reply);
      }
    });
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::socket::create(l);
    c->set_stream_layer(std::make_unique<xor_layer>('\x21', false));
    c->on<"data">([&](std::string_view d) { client_saw += d; });
    c->on<"end">([&] { srv->close(); });
    c->connect(test::port_of(*srv), "127.0.0.1", [c] { c->write("hello"); });
  });
  test::run_bounded(l);
  std::string expected = "hello";
  for (char& ch : expected) ch = static_cast<char>(ch ^ 0x21);
  CHECK(server_saw == expected);
  CHECK(client_saw == "world");
}

TEST_CASE("a layer holds writes with their callbacks until it opens, and end() waits for it") {
  loop l;
  std::string server_saw;
  std::vector<std::string> order;
  std::size_t held_length = 0;
  bool ended_before_gate = false;
  auto srv = net::create_server(l, [&](net::socket& s) {
    s.on<"data">([&](std::string_view d) { server_saw += d; });
    s.on<"end">([&] { order.push_back("server end"); });
    // The gate opens when the client hears from us; wait a little first, so
    // the client's writes and end() have certainly been held.
    auto gate = std::make_shared<deadline>(l, [&s, &order] {
      order.push_back("gate");
      s.write("!");
    });
    gate->expires_after(std::chrono::milliseconds(50));
    s.on<"close">([gate](bool) {});
  });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::socket::create(l);
    c->set_stream_layer(std::make_unique<xor_layer>('\x00', true, "<trailer>"));
    c->connect(test::port_of(*srv), "127.0.0.1", [&, c] {
      c->write("one ", [&](const net::error_info* e) { order.push_back(e ? "one failed" : "one written"); });
      c->write("two", [&](const net::error_info* e) { order.push_back(e ? "two failed" : "two written"); });
      held_length = c->writable_length();
      c->end();
      ended_before_gate = true;
    });
    c->on<"finish">([&] { order.push_back("client finish"); });
    c->on<"close">([&](bool) { srv->close(); });
  });
  test::run_bounded(l);
  CHECK(ended_before_gate);
  CHECK(held_length == 7);  // held bytes count as queued
  CHECK(server_saw == "one two<trailer>");
  const std::vector<std::string> expected{"gate", "one written", "two written", "client finish", "server end"};
  CHECK(order == expected);
}

TEST_CASE("a pause in the middle of what a layer delivers keeps the rest until resume") {
  loop l;
  std::string got;
  int data_events_while_paused = 0;
  bool paused = false;
  auto srv = net::create_server(l, [](net::socket& s) { s.end("abcdef"); });
  srv->listen(0, "127.0.0.1", 511, [&] {
    auto c = net::socket::create(l);
    c->set_stream_layer(std::make_unique<xor_layer>('\x00', false));
    c->on<"data">([&, c](std::string_view d) {
      if (paused) ++data_events_while_paused;
      got += d;
      if (got == "abc") {
        c->pause();
        paused = true;
        auto t = std::make_shared<deadline>(l, [&, c] {
          paused = false;
          c->resume();
        });
        t->expires_after(std::chrono::milliseconds(30));
        c->on<"close">([t](bool) {});
      }
    });
    c->on<"end">([&] { srv->close(); });
    c->connect(test::port_of(*srv), "127.0.0.1");
  });
  test::run_bounded(l);
  CHECK(got == "abcdef");
  CHECK(data_events_while_paused == 0);
}
