// HttpServer and Gateway over a real loopback socket: parsing, local
// endpoints, routing to a service on the state thread, AWS-shaped errors for
// unroutable calls, and bulk S3 bodies streamed both ways.
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <thread>

#include "services/s3/s3_service.h"
#include "services/sts/sts_service.h"
#include "store/store.h"
#include "temp_dir.h"

namespace fargo::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

constexpr char kS3Auth[] =
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(dir_.str());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    gateway_ = std::make_unique<Gateway>(clock_, ids_, "000000000000", "us-east-1");
    services::Env env{*store_, clock_, ids_, "000000000000"};
    gateway_->AddService(std::make_unique<services::StsService>(env));
    gateway_->AddService(std::make_unique<services::S3Service>(env));
    ASSERT_TRUE(gateway_->Start().ok());
    server_ = std::make_unique<HttpServer>(io_, *gateway_, [](const protocol::HttpRequest& r)
                                                               -> std::optional<protocol::HttpResponse> {
      if (r.path != "/_local") return std::nullopt;
      protocol::HttpResponse resp;
      resp.body = "local:" + r.query.find("q")->second;
      return resp;
    });
    auto port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    loop_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    server_->Stop();
    io_.stop();
    loop_.join();
    server_.reset();
    gateway_->Stop();
    gateway_.reset();
    store_.reset();
  }

  http::response<http::string_body> Send(http::request<http::string_body> req) {
    asio::io_context io;
    beast::tcp_stream s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    req.version(11);
    req.set(http::field::host, "localhost");
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> p;
    p.body_limit(64ull << 20);
    http::read(s, buf, p);
    return p.release();
  }

  static http::request<http::string_body> S3(http::verb verb, const std::string& target, std::string body = "") {
    http::request<http::string_body> r{verb, target, 11};
    r.set(http::field::authorization, kS3Auth);
    r.body() = std::move(body);
    return r;
  }

  test_util::TempDir dir_;
  FakeClock clock_{1700000000000};
  RandomIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Gateway> gateway_;
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread loop_;
};

TEST_F(Server, LocalEndpointsAreAnsweredWithoutTheGateway) {
  auto r = Send(http::request<http::string_body>{http::verb::get, "/_local?q=a%20b", 11});
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "local:a b");  // query decoded
}

TEST_F(Server, QueryCallIsRoutedToItsService) {
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = "Action=GetCallerIdentity&Version=2011-06-15";
  auto r = Send(req);
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_NE(r.body().find("<Account>000000000000</Account>"), std::string::npos) << r.body();
}

TEST_F(Server, UnknownJsonTargetIsAnAwsError) {
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set("X-Amz-Target", "Nobody_20200101.DoIt");
  req.set(http::field::content_type, "application/x-amz-json-1.1");
  req.body() = "{}";
  auto r = Send(req);
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(r.body().find("UnknownOperationException"), std::string::npos) << r.body();
}

TEST_F(Server, MalformedRequestClosesOnlyThatConnection) {
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    asio::write(s, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
    char c;
    beast::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
    EXPECT_TRUE(ec);  // closed, no answer
  }
  EXPECT_EQ(Send(http::request<http::string_body>{http::verb::get, "/_local?q=x", 11}).body(), "local:x");
}

TEST_F(Server, LargeObjectStreamsInAndOut) {
  ASSERT_EQ(Send(S3(http::verb::put, "/bkt")).result_int(), 200);
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) % 253);
  auto put = Send(S3(http::verb::put, "/bkt/big", data));
  ASSERT_EQ(put.result_int(), 200) << put.body();
  EXPECT_TRUE(fs::is_empty(dir_.path() / "s3" / "tmp"));
  auto get = Send(S3(http::verb::get, "/bkt/big"));
  ASSERT_EQ(get.result_int(), 200);
  EXPECT_EQ(get[http::field::content_length], std::to_string(data.size()));
  EXPECT_TRUE(get.body() == data);
  auto ranged = S3(http::verb::get, "/bkt/big");
  ranged.set(http::field::range, "bytes=1000-2500000");
  auto part = Send(ranged);
  EXPECT_EQ(part.result_int(), 206);
  EXPECT_TRUE(part.body() == data.substr(1000, 2500000 - 1000 + 1));
}

TEST_F(Server, KeepAliveConnectionServesRequestsAfterAStreamedBody) {
  ASSERT_EQ(Send(S3(http::verb::put, "/bkt")).result_int(), 200);
  asio::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  for (int i = 0; i < 3; ++i) {
    auto req = S3(http::verb::put, "/bkt/k" + std::to_string(i), std::string(200000 + i, 'x'));
    req.set(http::field::host, "localhost");
    req.keep_alive(true);
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> resp;
    http::read(s, buf, resp);
    EXPECT_EQ(resp.result_int(), 200) << i << resp.body();
  }
  EXPECT_EQ(Send(S3(http::verb::get, "/bkt/k2")).body().size(), 200002u);
}

}  // namespace
}  // namespace fargo::server
