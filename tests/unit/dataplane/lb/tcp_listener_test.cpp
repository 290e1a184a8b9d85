// TcpListener on the host's loopback: bytes relayed both ways intact, a
// half-close passed on while the other way goes on, many idle connections
// held open at once, and an idle flow closed after the listener's timeout.
#include "dataplane/lb/tcp_listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace fargo::dataplane::lb {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A target that echoes, uppercased, everything it reads, and closes its
// side once the client closed its own (after the echo).
class EchoTarget {
 public:
  EchoTarget() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket s(io_);
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        ++accepted_;
        std::thread([s = std::move(s)]() mutable {
          char buf[65536];
          boost::system::error_code ec;
          for (;;) {
            size_t n = s.read_some(asio::buffer(buf), ec);
            if (ec) break;
            for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buf[i])));
            asio::write(s, asio::buffer(buf, n), ec);
            if (ec) return;
          }
          s.shutdown(tcp::socket::shutdown_send, ec);
        }).detach();
      }
    });
  }
  ~EchoTarget() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  int accepted() const { return accepted_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class Backend final : public ListenerBackend {
 public:
  explicit Backend(tcp::endpoint target) : target_(target) {}
  std::optional<tcp::endpoint> Pick(const std::string&, uint64_t) override { return target_; }
  void CountConnection(int delta) override { open += delta; }
  std::atomic<int> open{0};

 private:
  tcp::endpoint target_;
};

struct Harness {
  explicit Harness(int idle_timeout_s = 350) : backend(target.endpoint()) {
    asio::io_context probe;
    tcp::acceptor a(probe, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    config.address = "127.0.0.1";
    config.port = a.local_endpoint().port();
    a.close();
    config.idle_timeout_s = idle_timeout_s;
    auto opened = TcpListener::Open(io, backend, config);
    EXPECT_TRUE(opened.ok());
    if (opened.ok()) listener = std::move(*opened);
    thread = std::thread([this] { io.run(); });
  }
  ~Harness() {
    asio::post(io, [this] {
      if (listener) listener->Close();
      work.reset();
    });
    io.stop();
    thread.join();
  }
  tcp::socket Connect(asio::io_context& cio) {
    tcp::socket s(cio);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), config.port));
    return s;
  }
  template <class F>
  bool WaitFor(F f, std::chrono::milliseconds limit = 5000ms) {
    for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
      if (f()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return f();
  }

  EchoTarget target;
  Backend backend;
  ListenerConfig config;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<TcpListener> listener;
  std::thread thread;
};

TEST(TcpListener, RelaysLargeTransfersBothWaysAndPassesTheClientsHalfClose) {
  Harness h;
  asio::io_context cio;
  tcp::socket s = h.Connect(cio);
  std::string sent(8 << 20, 'a');
  for (size_t i = 0; i < sent.size(); i += 4097) sent[i] = 'z';
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    boost::system::error_code ec;
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;  // the target closed after the echo: the relay passed our half-close on
    }
  });
  asio::write(s, asio::buffer(sent));
  s.shutdown(tcp::socket::shutdown_send);
  reader.join();
  ASSERT_EQ(got.size(), sent.size());
  for (char& c : sent) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(got == sent);
  s.close();
  EXPECT_TRUE(h.WaitFor([&] { return h.backend.open.load() == 0; }));
}

TEST(TcpListener, HoldsManyIdleConnectionsAndEachStillAnswers) {
  Harness h;
  asio::io_context cio;
  std::vector<tcp::socket> conns;
  for (int i = 0; i < 300; ++i) conns.push_back(h.Connect(cio));
  ASSERT_TRUE(h.WaitFor([&] { return h.backend.open.load() == 300; }));
  std::this_thread::sleep_for(200ms);  // idle: the relays wait without buffers
  for (size_t i = 0; i < conns.size(); i += 37) {
    asio::write(conns[i], asio::buffer(std::string("ping")));
    char buf[4];
    asio::read(conns[i], asio::buffer(buf));
    EXPECT_EQ(std::string(buf, 4), "PING");
  }
  conns.clear();
  EXPECT_TRUE(h.WaitFor([&] { return h.backend.open.load() == 0; }));
}

TEST(TcpListener, AnIdleFlowIsClosedAfterTheIdleTimeoutAndAnActiveOneIsNot) {
  Harness h(/*idle_timeout_s=*/1);
  asio::io_context cio;
  tcp::socket idle = h.Connect(cio);
  tcp::socket busy = h.Connect(cio);
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 1600ms) {
    asio::write(busy, asio::buffer(std::string("x")));
    char c;
    asio::read(busy, asio::buffer(&c, 1));
    std::this_thread::sleep_for(200ms);
  }
  boost::system::error_code ec;
  char c;
  idle.read_some(asio::buffer(&c, 1), ec);  // closed by the relay (about 1 s after it opened)
  EXPECT_TRUE(ec);
  asio::write(busy, asio::buffer(std::string("y")), ec);
  ASSERT_FALSE(ec);
  asio::read(busy, asio::buffer(&c, 1), ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(c, 'Y');
}

}  // namespace
}  // namespace fargo::dataplane::lb
