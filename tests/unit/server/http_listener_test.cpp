// HttpListener with a handler of its own: what any of fargo's HTTP servers
// gets from it (HTTP/1.0 answered as such, HEAD without a body, the
// connection bound, graceful and forced shutdown), independently of the API
// gateway and the task endpoints that use it.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_listener.h"
#include "server/raw_socket.h"

namespace fargo::server {
namespace {

using namespace std::chrono_literals;
using protocol::HttpRequest;
using protocol::HttpResponse;

// Answers "/hold" only when told (Release), everything else at once with the path.
class EchoHandler : public HttpHandler {
 public:
  uint64_t MaxRequestBody(const HttpRequest&) const override { return 16; }
  std::optional<HttpResponse> Reject(const HttpRequest&, HttpFailure why, uint64_t,
                                     const std::string&) const override {
    HttpResponse r;
    r.status = why == HttpFailure::kBodyTooLarge ? 413 : 400;
    r.body = "rejected";
    return r;
  }
  void Handle(HttpRequest req, Respond respond) override {
    if (req.path == "/hold") {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(std::move(respond));
      return;
    }
    HttpResponse r;
    r.body = req.path;
    respond(std::move(r));
  }
  size_t Held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }
  void Release() {
    std::vector<Respond> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& r : held) {
      HttpResponse resp;
      resp.body = "released";
      r(std::move(resp));
    }
  }

 private:
  std::mutex mu_;
  std::vector<Respond> held_;
};

using test_util::SendAndReadAll;
int Connect(uint16_t port) { return test_util::ConnectLoopback(port); }

class HttpListenerTest : public ::testing::Test {
 protected:
  void Start(HttpListenerOptions options) {
    options.strand_per_connection = false;
    listener_ = std::make_unique<HttpListener>(io_, handler_, options);
    auto port = listener_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    listener_.reset();
  }
  // Sends a request the handler holds on `fd` and waits until it does.
  void SendHeld(int fd) {
    ::send(fd, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n", 31, MSG_NOSIGNAL);
    for (int i = 0; i < 300 && handler_.Held() == 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(handler_.Held(), 1u);
  }
  // Runs `fn` on the event loop and waits for it.
  void OnLoop(std::function<void()> fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  EchoHandler handler_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<HttpListener> listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpListenerTest, Http10IsAnsweredInKindAndClosed) {
  Start({});
  int fd = Connect(port_);
  bool closed = false;
  std::string out = SendAndReadAll(fd, "GET /old HTTP/1.0\r\n\r\n", &closed);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.0 200", 0), 0u) << out;
  EXPECT_NE(out.find("Server: fargo"), std::string::npos) << out;
  EXPECT_NE(out.find("/old"), std::string::npos) << out;
  EXPECT_TRUE(closed);
}

TEST_F(HttpListenerTest, HeadGetsTheHeadersOnly) {
  HttpListenerOptions o;
  o.server_header = "";
  Start(o);
  int fd = Connect(port_);
  std::string out = SendAndReadAll(fd, "HEAD /abcdef HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Length: 7"), std::string::npos) << out;
  EXPECT_EQ(out.find("/abcdef"), std::string::npos) << out;
  EXPECT_EQ(out.find("Server:"), std::string::npos) << out;
}

TEST_F(HttpListenerTest, BodyOverTheHandlersLimitIsRejectedAndClosed) {
  Start({});
  int fd = Connect(port_);
  bool closed = false;
  std::string out =
      SendAndReadAll(fd, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'), &closed);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_TRUE(closed);
}

TEST_F(HttpListenerTest, ConnectionsBeyondTheBoundAreClosed) {
  HttpListenerOptions o;
  o.max_connections = 1;
  Start(o);
  int first = Connect(port_);
  ASSERT_NO_FATAL_FAILURE(SendHeld(first));
  int second = Connect(port_);
  bool closed = false;
  std::string out = SendAndReadAll(second, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
  ::close(second);
  EXPECT_EQ(out, "");
  EXPECT_TRUE(closed);
  handler_.Release();
  char buf[512];
  ssize_t n = ::recv(first, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, static_cast<size_t>(n)).find("released"), std::string::npos);
  ::close(first);
}

TEST_F(HttpListenerTest, ShutdownWaitsForBusyConnectionsThenForcesAfterTheGrace) {
  Start({});
  int idle = Connect(port_);
  int busy = Connect(port_);
  ASSERT_NO_FATAL_FAILURE(SendHeld(busy));
  std::promise<bool> forced;
  OnLoop([&] { listener_->Shutdown(200ms, [&](bool f) { forced.set_value(f); }); });
  bool closed = false;
  EXPECT_EQ(SendAndReadAll(idle, "", &closed), "");
  EXPECT_TRUE(closed) << "an idle connection closes at once";
  auto result = forced.get_future();
  ASSERT_EQ(result.wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(result.get()) << "the held request outlived the grace";
  EXPECT_EQ(SendAndReadAll(busy, "", &closed), "");
  EXPECT_TRUE(closed);
  handler_.Release();  // answering after the close is harmless
  ::close(idle);
  ::close(busy);
}

TEST_F(HttpListenerTest, ShutdownEndsGracefullyWhenTheLastAnswerIsWritten) {
  Start({});
  int busy = Connect(port_);
  ASSERT_NO_FATAL_FAILURE(SendHeld(busy));
  std::promise<bool> forced;
  OnLoop([&] { listener_->Shutdown(10s, [&](bool f) { forced.set_value(f); }); });
  handler_.Release();
  bool closed = false;
  std::string out = SendAndReadAll(busy, "", &closed);
  ::close(busy);
  EXPECT_NE(out.find("released"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  EXPECT_TRUE(closed);
  auto result = forced.get_future();
  ASSERT_EQ(result.wait_for(3s), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

// A WebSocket upgrade the handoff wants leaves the listener only when its
// head is admitted; one that is not is an ordinary request for the handler
// (which can refuse it), and the handoff never sees it.
TEST_F(HttpListenerTest, WebSocketUpgradesNotAdmittedGoToTheHandler) {
  auto handoff = std::make_shared<WebSocketHandoff>();
  std::atomic<int> taken{0};
  std::string seen_origin;
  handoff->wants = [](const std::string& target) { return target.rfind("/ws/", 0) == 0; };
  handoff->admit = [&](const HttpRequest& head) {
    const std::string* origin = head.Header("origin");
    seen_origin = origin ? *origin : "";
    return !origin || *origin == "http://127.0.0.1";
  };
  handoff->plain = [&](boost::beast::tcp_stream stream, WebSocketHandoff::Request) {
    ++taken;
    stream.socket().close();
  };
  HttpListenerOptions options;
  options.websocket = handoff;
  Start(options);
  auto upgrade = [](const std::string& origin) {
    return "GET /ws/1?role=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
           (origin.empty() ? std::string() : "Origin: " + origin + "\r\n") + "\r\n";
  };
  int fd = Connect(port_);
  std::string out = SendAndReadAll(fd, upgrade("http://evil.example"));
  ::close(fd);
  EXPECT_EQ(seen_origin, "http://evil.example");
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;  // EchoHandler's answer
  EXPECT_NE(out.find("/ws/1"), std::string::npos) << out;
  EXPECT_EQ(taken.load(), 0);
  for (const std::string origin : {"http://127.0.0.1", ""}) {
    fd = Connect(port_);
    out = SendAndReadAll(fd, upgrade(origin));
    ::close(fd);
    EXPECT_EQ(out, "") << origin;  // handed over (and closed there), never answered here
  }
  EXPECT_EQ(taken.load(), 2);
}

}  // namespace
}  // namespace fargo::server
