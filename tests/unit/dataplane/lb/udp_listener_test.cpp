// A UDP listener on loopback: each client flow goes to the backend's pick,
// answers come back from the listener's address and port, and a datagram
// with nowhere to go is dropped.
#include "dataplane/lb/udp_listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fargo::dataplane::lb {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

class FixedBackend : public ListenerBackend {
 public:
  std::optional<asio::ip::tcp::endpoint> target;
  std::atomic<int> flows{0};
  std::optional<asio::ip::tcp::endpoint> Pick(const std::string&, uint64_t) override { return target; }
  void CountConnection(int delta) override { flows += delta; }
};

// Answers "<datagram>!" to whoever sent it.
class EchoTarget {
 public:
  EchoTarget() : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoTarget() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return socket_.local_endpoint().port(); }

 private:
  void Receive() {
    socket_.async_receive_from(asio::buffer(buf_), from_, [this](boost::system::error_code ec, size_t n) {
      if (ec) return;
      boost::system::error_code ignored;
      socket_.send_to(asio::buffer(std::string(buf_, n) + "!"), from_, 0, ignored);
      Receive();
    });
  }
  asio::io_context io_;
  udp::socket socket_;
  char buf_[1500];
  udp::endpoint from_;
  std::thread thread_;
};

// Sends `text` to 127.0.0.1:port from a new socket; the answer and the port
// it came from ("" when none within a second).
std::pair<std::string, uint16_t> Ask(uint16_t port, const std::string& text) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  pollfd p{fd, POLLIN, 0};
  std::pair<std::string, uint16_t> out{"", 0};
  if (::poll(&p, 1, 1000) == 1) {
    char buf[1500];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n >= 0) out = {std::string(buf, static_cast<size_t>(n)), ntohs(from.sin_port)};
  }
  ::close(fd);
  return out;
}

TEST(UdpListener, EachFlowGoesToTheTargetAndAnswersComeFromTheListener) {
  EchoTarget target;
  FixedBackend backend;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  ListenerConfig config{"lb", "listener", "tg", "127.0.0.1", 0, 350};
  {  // a free port for the listener
    udp::socket probe(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    config.port = probe.local_endpoint().port();
  }
  auto listener = UdpListener::Open(io, backend, config);
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  std::thread loop([&] { io.run(); });

  // Nowhere to go: dropped.
  EXPECT_EQ(Ask(config.port, "lost").first, "");
  EXPECT_EQ(backend.flows.load(), 0);

  backend.target = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), target.port());
  for (int i = 0; i < 3; ++i) {
    auto [answer, from_port] = Ask(config.port, "ping" + std::to_string(i));
    EXPECT_EQ(answer, "ping" + std::to_string(i) + "!");
    EXPECT_EQ(from_port, config.port);  // from the listener, not the flow's own socket
  }
  EXPECT_EQ(backend.flows.load(), 3);  // a flow per client socket

  asio::post(io, [&] { (*listener)->Close(); });
  for (int i = 0; i < 100 && backend.flows.load() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(backend.flows.load(), 0);  // closing ends the flows
  work.reset();
  io.stop();
  loop.join();
}

}  // namespace
}  // namespace fargo::dataplane::lb
