// The API listener as a client meets it: idle connections close, oversized
// headers and bodies get AWS's errors before the body is read, and a handler
// that throws is a 500 InternalFailure, not a dead daemon.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/clock.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "services/service.h"
#include "server/raw_socket.h"

namespace fargo::server {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Answers DescribeLogGroups; DescribeLogStreams throws.
class FakeLogs : public services::Service {
 public:
  std::string name() const override { return "logs"; }
  Result<json::object> Invoke(services::CallContext& ctx, json::object&) override {
    if (ctx.op.name == "DescribeLogStreams") throw std::runtime_error("boom");
    return json::object{{"logGroups", json::array{}}};
  }
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_.AddService(std::make_unique<FakeLogs>());
    ASSERT_TRUE(gateway_.Start().ok());
    HttpServerOptions options;
    options.idle_timeout = 300ms;
    options.max_header_bytes = 8 * 1024;
    server_ = std::make_unique<HttpServer>(io_, gateway_, nullptr, options);
    auto port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->Stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    gateway_.Stop();
  }

  // Sends `text`, then reads until the server closes or `wait` passes.
  // `closed` says whether the server closed the connection.
  std::string Exchange(const std::string& text, bool* closed = nullptr, std::chrono::milliseconds wait = 3s) {
    int fd = test_util::ConnectLoopback(port_, wait);
    std::string out = test_util::SendAndReadAll(fd, text, closed);
    ::close(fd);
    return out;
  }

  static std::string JsonCall(const std::string& op, const std::string& body, const std::string& extra = "") {
    return "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328." + op +
           "\r\nContent-Type: application/x-amz-json-1.1\r\n" + extra +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  FakeClock clock_{1'700'000'000'000};
  SequentialIdGenerator ids_;
  Gateway gateway_{clock_, ids_, "000000000000", "us-east-1"};
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(io_.get_executor());
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpServerTest, AnswersAJsonCall) {
  std::string out = Exchange(JsonCall("DescribeLogGroups", "{}", "Connection: close\r\n"));
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("\"logGroups\":[]"), std::string::npos) << out;
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  std::string out = Exchange("", &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(out, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(HttpServerTest, StalledBodyIsClosed) {
  bool closed = false;
  // Ten bytes announced, two sent: the connection closes after the idle timeout.
  std::string out = Exchange("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
                             "Content-Length: 10\r\n\r\n{}",
                             &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(out, "");
}

TEST_F(HttpServerTest, HeaderOverTheLimitIsAnAwsError) {
  bool closed = false;
  std::string out = Exchange(JsonCall("DescribeLogGroups", "{}", "X-Big: " + std::string(16 * 1024, 'a') + "\r\n"),
                             &closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("<Code>RequestHeaderSectionTooLarge</Code>"), std::string::npos) << out;
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, JsonBodyOverTheLimitIsRefusedBeforeItIsRead) {
  // Only the header is sent: the answer must not wait for 3 MiB of body.
  std::string head = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
                     "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 3145728\r\n\r\n";
  bool closed = false;
  std::string out = Exchange(head, &closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_NE(out.find("\"__type\":\"RequestEntityTooLarge\""), std::string::npos) << out;
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitIsAnAwsError) {
  std::string chunk(1024 * 1024, ' ');
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  std::string req = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
                    "Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += size + chunk + "\r\n";
  req += "0\r\n\r\n";
  std::string out = Exchange(req);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out.substr(0, 200);
  EXPECT_NE(out.find("RequestEntityTooLarge"), std::string::npos) << out.substr(0, 400);
}

TEST_F(HttpServerTest, S3PutOverFiveGiBIsEntityTooLarge) {
  std::string head = "PUT /bucket/key HTTP/1.1\r\nHost: x\r\nContent-Length: 5368709121\r\n\r\n";
  std::string out = Exchange(head);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("<Code>EntityTooLarge</Code>"), std::string::npos) << out;
  EXPECT_NE(out.find("<MaxSizeAllowed>5368709120</MaxSizeAllowed>"), std::string::npos) << out;
}

TEST_F(HttpServerTest, BodyLimitsArePerOperation) {
  protocol::HttpRequest put_object;
  put_object.method = "PUT";
  put_object.path = "/bucket/key";
  EXPECT_EQ(gateway_.MaxRequestBody(put_object), 5ull << 30);
  protocol::HttpRequest put_events;
  put_events.method = "POST";
  put_events.headers["x-amz-target"] = "Logs_20140328.PutLogEvents";
  protocol::HttpRequest describe = put_events;
  describe.headers["x-amz-target"] = "Logs_20140328.DescribeLogGroups";
  EXPECT_GT(gateway_.MaxRequestBody(put_events), 1u << 20);  // a full 1 MiB batch fits
  EXPECT_LT(gateway_.MaxRequestBody(describe), gateway_.MaxRequestBody(put_events));
}

TEST_F(HttpServerTest, HandlerExceptionIsInternalFailureAndTheServerGoesOn) {
  std::string out = Exchange(JsonCall("DescribeLogStreams", "{}", "Connection: close\r\n"));
  EXPECT_EQ(out.rfind("HTTP/1.1 500", 0), 0u) << out;
  EXPECT_NE(out.find("InternalFailure"), std::string::npos) << out;
  out = Exchange(JsonCall("DescribeLogGroups", "{}", "Connection: close\r\n"));
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
}

}  // namespace
}  // namespace fargo::server
