// TaskEndpoints on 127.0.0.1 with a fake resolver: routing, errors, async
// replies, malformed input, keep-alive, concurrency and Stop().
#include "dataplane/endpoints/task_endpoints.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace fargo::dataplane {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Kind = TaskEndpoints::Kind;

struct Call {
  Kind kind;
  int version;
  std::string id;
  std::string subpath;
};

struct Response {
  int status = 0;
  std::string body;
  std::string content_type;
  bool keep_alive = false;
};

// A blocking HTTP/1.1 client over one connection (5 s receive timeout).
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void Send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Reads one response; status 0 when the connection ended first.
  Response Receive() {
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(socket_, buffer_, res, ec);
    if (ec) return {};
    return {static_cast<int>(res.result_int()), res.body(),
            std::string(res[http::field::content_type]), res.keep_alive()};
  }

  Response Get(const std::string& target, bool keep_alive = true) {
    Send("GET " + target + " HTTP/1.1\r\nHost: 169.254.170.2\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + "\r\n");
    return Receive();
  }

  // True when the server closed the connection (reads EOF).
  bool Closed() {
    char c;
    beast::error_code ec;
    size_t n = socket_.read_some(asio::buffer(&c, 1), ec);
    return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

Response GetOnce(uint16_t port, const std::string& target) {
  Client c(port);
  return c.Get(target, false);
}

// Replies answered later, from another thread.
class Deferred {
 public:
  void Push(TaskEndpoints::Reply r) {
    std::lock_guard<std::mutex> l(mu_);
    q_.push_back(std::move(r));
    cv_.notify_all();
  }
  // Waits for the next pending reply.
  TaskEndpoints::Reply Pop(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return !q_.empty(); })) return nullptr;
    auto r = std::move(q_.front());
    q_.pop_front();
    return r;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<TaskEndpoints::Reply> q_;
};

class TaskEndpointsTest : public ::testing::Test {
 protected:
  enum class Mode { kEcho, kDefer, kDrop, kThrow };

  void StartServer(TaskEndpointsOptions o = {}) {
    o.address = "127.0.0.1";
    o.port = 0;
    server_ = std::make_unique<TaskEndpoints>(
        o, [this](Kind kind, int version, std::string id, std::string subpath,
                  TaskEndpoints::Reply reply) {
          {
            std::lock_guard<std::mutex> l(mu_);
            calls_.push_back({kind, version, id, subpath});
          }
          switch (mode_.load()) {
            case Mode::kEcho:
              reply(id == "forbidden" ? 400 : 200,
                    json::serialize(json::object{
                        {"kind", kind == Kind::kCredentials ? "credentials" : "metadata"},
                        {"version", version},
                        {"id", id},
                        {"subpath", subpath}}));
              break;
            case Mode::kDefer:
              deferred_.Push(std::move(reply));
              break;
            case Mode::kDrop:
              break;
            case Mode::kThrow:
              throw std::runtime_error("resolver exploded");
          }
        });
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  std::vector<Call> Calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }

  uint16_t port() const { return server_->port(); }

  std::atomic<Mode> mode_{Mode::kEcho};
  std::mutex mu_;
  std::vector<Call> calls_;
  Deferred deferred_;
  std::unique_ptr<TaskEndpoints> server_;
};

json::object Json(const Response& r) { return json::parse(r.body).as_object(); }

TEST_F(TaskEndpointsTest, RoutesCredentialsAndMetadataPaths) {
  StartServer();
  struct Case {
    std::string target;
    Kind kind;
    int version;
    std::string id, subpath;
  } cases[] = {
      {"/v2/credentials/8a3f1c2e-0000-4000-8000-000000000001", Kind::kCredentials, 2,
       "8a3f1c2e-0000-4000-8000-000000000001", ""},
      {"/v4/tok-1", Kind::kMetadata, 4, "tok-1", ""},
      {"/v4/tok-1/", Kind::kMetadata, 4, "tok-1", ""},
      {"/v4/tok-1/task", Kind::kMetadata, 4, "tok-1", "/task"},
      {"/v4/tok-1/stats", Kind::kMetadata, 4, "tok-1", "/stats"},
      {"/v4/tok-1/task/stats", Kind::kMetadata, 4, "tok-1", "/task/stats"},
      {"/v4/tok-1/taskWithTags", Kind::kMetadata, 4, "tok-1", "/taskWithTags"},
      {"/v4/tok-1/task?x=1", Kind::kMetadata, 4, "tok-1", "/task"},
      {"/v3/tok-2", Kind::kMetadata, 3, "tok-2", ""},
      {"/v3/tok-2/task", Kind::kMetadata, 3, "tok-2", "/task"},
      {"/v3/tok-2/task/stats", Kind::kMetadata, 3, "tok-2", "/task/stats"},
  };
  for (const auto& c : cases) {
    Response r = GetOnce(port(), c.target);
    ASSERT_EQ(r.status, 200) << c.target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    auto body = Json(r);
    EXPECT_EQ(body.at("id").as_string(), c.id) << c.target;
    EXPECT_EQ(body.at("subpath").as_string(), c.subpath) << c.target;
    EXPECT_EQ(body.at("version").as_int64(), c.version) << c.target;
    EXPECT_EQ(body.at("kind").as_string(), c.kind == Kind::kCredentials ? "credentials" : "metadata");
  }
  EXPECT_EQ(Calls().size(), std::size(cases));
}

TEST_F(TaskEndpointsTest, ResolverStatusPassesThrough) {
  StartServer();
  Response r = GetOnce(port(), "/v2/credentials/forbidden");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r).at("id").as_string(), "forbidden");
}

TEST_F(TaskEndpointsTest, UnknownPathsAre404WithoutAskingTheResolver) {
  StartServer();
  for (const char* target :
       {"/", "/v4", "/v4/", "/v4//task", "/v4/tok/bogus", "/v4/tok/task/stats/more",
        "/v3/tok/taskWithTags", "/v1/credentials?id=x", "/v2/credentials/a/b", "/v2/other/a",
        "/latest/meta-data/", "/v5/tok", "*", "/../v4/tok"}) {
    Response r = GetOnce(port(), target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.content_type, "application/json") << target;
    EXPECT_TRUE(Json(r).contains("message")) << target << ": " << r.body;
  }
  for (const char* target : {"/v2/credentials", "/v2/credentials/"}) {
    Response r = GetOnce(port(), target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(Json(r).at("code").as_string(), "NoIdInRequest");
  }
  EXPECT_TRUE(Calls().empty());
}

TEST_F(TaskEndpointsTest, OnlyGetIsAllowed) {
  StartServer();
  Client c(port());
  c.Send("POST /v4/tok HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  Response r = c.Receive();
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(c.Get("/v4/tok").status, 200);  // the connection is still usable
  EXPECT_EQ(Calls().size(), 1u);
}

TEST_F(TaskEndpointsTest, RepliesFromAnotherThreadLater) {
  StartServer();
  mode_ = Mode::kDefer;
  auto answer = std::async(std::launch::async, [&] {
    auto reply = deferred_.Pop();
    if (!reply) return;
    std::this_thread::sleep_for(50ms);
    reply(200, R"({"TaskARN":"arn:aws:ecs:us-east-1:000000000000:task/default/abc"})");
    reply(500, R"({"late":true})");  // only the first answer counts
  });
  Response r = GetOnce(port(), "/v4/tok/task");
  answer.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r).at("TaskARN").as_string(), "arn:aws:ecs:us-east-1:000000000000:task/default/abc");
}

TEST_F(TaskEndpointsTest, DroppedReplyIs500AndThrowingResolverIs500) {
  StartServer();
  mode_ = Mode::kDrop;
  Client c(port());
  Response r = c.Get("/v4/tok");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Json(r).at("code").as_string(), "InternalError");
  mode_ = Mode::kThrow;
  r = c.Get("/v4/tok");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("resolver exploded"), std::string::npos);
  mode_ = Mode::kEcho;
  EXPECT_EQ(c.Get("/v4/tok").status, 200);
}

TEST_F(TaskEndpointsTest, ResolverTooSlowIs504AndItsLateReplyIsIgnored) {
  TaskEndpointsOptions o;
  o.resolve_timeout = 200ms;
  StartServer(o);
  mode_ = Mode::kDefer;
  Client c(port());
  auto t0 = std::chrono::steady_clock::now();
  Response r = c.Get("/v4/tok");
  EXPECT_EQ(r.status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  auto late = deferred_.Pop();
  ASSERT_TRUE(late);
  late(200, R"({"late":true})");
  // The next request on the same connection gets its own answer, not the late one.
  auto answer = std::async(std::launch::async, [&] {
    if (auto reply = deferred_.Pop()) reply(200, R"({"second":true})");
  });
  r = c.Get("/v4/tok/task");
  answer.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"second":true})");
}

TEST_F(TaskEndpointsTest, MalformedRequestsGetAnErrorAndTheServerLivesOn) {
  StartServer();
  {
    Client c(port());
    c.Send("this is not http\r\n\r\n");
    Response r = c.Receive();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(c.Closed());
  }
  {
    Client c(port());
    c.Send("GET /v4/tok HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    Response r = c.Receive();
    EXPECT_EQ(r.status, 431);
  }
  {
    Client c(port());
    c.Send("GET /v4/tok HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
           std::string(100000, 'b'));
    Response r = c.Receive();
    EXPECT_EQ(r.status, 413);
  }
  {
    Client c(port());
    c.Send(std::string("\0\1\2\3\r\n\r\n", 8));
    EXPECT_EQ(c.Receive().status, 400);
  }
  {
    // Half a request, then the client goes away.
    Client c(port());
    c.Send("GET /v4/tok HTTP/1.1\r\nHo");
  }
  EXPECT_EQ(GetOnce(port(), "/v4/tok").status, 200);
}

TEST_F(TaskEndpointsTest, IdleConnectionsAreClosed) {
  TaskEndpointsOptions o;
  o.idle_timeout = 200ms;
  StartServer(o);
  Client c(port());
  EXPECT_EQ(c.Get("/v4/tok").status, 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.Closed());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(TaskEndpointsTest, KeepAliveAndPipelining) {
  StartServer();
  Client c(port());
  for (int i = 0; i < 5; ++i) {
    Response r = c.Get("/v4/tok-" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(Json(r).at("id").as_string(), "tok-" + std::to_string(i));
  }
  // Two requests in one write are answered in order.
  c.Send("GET /v4/a HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/credentials/b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(Json(c.Receive()).at("id").as_string(), "a");
  EXPECT_EQ(Json(c.Receive()).at("id").as_string(), "b");
  // Connection: close is honoured.
  Response r = c.Get("/v4/last", false);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(c.Closed());
  // HTTP/1.0 without keep-alive closes too.
  Client old(port());
  old.Send("GET /v4/tok HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.Receive().status, 200);
  EXPECT_TRUE(old.Closed());
}

TEST_F(TaskEndpointsTest, ConcurrentRequestsWithRepliesInAnyOrder) {
  StartServer();
  mode_ = Mode::kDefer;
  constexpr int kClients = 16, kRequests = 10;
  std::atomic<bool> done{false};
  // Answers pending replies in batches, newest first.
  std::thread answerer([&] {
    while (!done) {
      std::vector<TaskEndpoints::Reply> batch;
      while (auto r = deferred_.Pop(20ms)) batch.push_back(std::move(r));
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) (*it)(200, R"({"ok":true})");
    }
  });
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      Client c(port());
      for (int j = 0; j < kRequests; ++j) {
        Response r = c.Get("/v4/tok-" + std::to_string(i) + "/task");
        if (r.status == 200 && r.body == R"({"ok":true})") ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  done = true;
  answerer.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(Calls().size(), static_cast<size_t>(kClients * kRequests));
}

TEST_F(TaskEndpointsTest, StopLetsRequestsInFlightFinish) {
  StartServer();
  Client idle(port());
  EXPECT_EQ(idle.Get("/v2/credentials/x").status, 200);  // now idle, kept alive

  mode_ = Mode::kDefer;
  Client busy(port());
  busy.Send("GET /v4/tok HTTP/1.1\r\nHost: x\r\n\r\n");
  auto reply = deferred_.Pop();
  ASSERT_TRUE(reply);
  auto stopping = std::async(std::launch::async, [&] { server_->Stop(); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(stopping.wait_for(0ms), std::future_status::timeout);  // still draining
  EXPECT_TRUE(idle.Closed());  // idle connections go at once
  reply(200, R"({"drained":true})");
  Response r = busy.Receive();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"drained":true})");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(stopping.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(busy.Closed());
  // No longer accepting.
  EXPECT_THROW(Client{port()}, boost::system::system_error);
}

TEST_F(TaskEndpointsTest, StopGivesUpOnUnansweredRequestsAfterTheGrace) {
  TaskEndpointsOptions o;
  o.stop_grace = 200ms;
  StartServer(o);
  mode_ = Mode::kDefer;
  Client busy(port());
  busy.Send("GET /v4/tok HTTP/1.1\r\nHost: x\r\n\r\n");
  auto reply = deferred_.Pop();
  ASSERT_TRUE(reply);
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(busy.Closed());
  // Answering after Stop(), and after the server is gone, is harmless.
  reply(200, "{}");
  server_.reset();
  reply(200, "{}");
  reply = nullptr;
}

TEST_F(TaskEndpointsTest, ReplyOutlivingTheServerIsHarmless) {
  TaskEndpointsOptions o;
  o.stop_grace = 100ms;
  StartServer(o);
  mode_ = Mode::kDefer;
  {
    Client c(port());
    c.Send("GET /v4/tok HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = deferred_.Pop();
    ASSERT_TRUE(reply);
    server_->Stop();
    server_.reset();
    std::thread([reply] { reply(200, "{}"); }).join();
  }
  // Nothing was left to answer, and nothing crashed.
  SUCCEED();
}

TEST_F(TaskEndpointsTest, StartFailsWhenTheAddressCannotBeBound) {
  StartServer();
  TaskEndpointsOptions o;
  o.address = "127.0.0.1";
  o.port = port();  // taken
  TaskEndpoints second(o, [](Kind, int, std::string, std::string, TaskEndpoints::Reply r) {
    r(200, "{}");
  });
  Status st = second.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("127.0.0.1"), std::string::npos) << st.error().message;
  second.Stop();  // harmless when not started

  o.address = "not-an-address";
  TaskEndpoints third(o, nullptr);
  EXPECT_FALSE(third.Start().ok());

  // The first server still answers; Stop() twice is fine.
  EXPECT_EQ(GetOnce(port(), "/v4/tok").status, 200);
  server_->Stop();
  server_->Stop();
}

TEST(EnsureLocalAddressTest, RejectsNonAddresses) {
  Status st = EnsureLocalAddress("169.254.170");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "InvalidParameter");
}

}  // namespace
}  // namespace fargo::dataplane
