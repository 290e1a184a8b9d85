// An HttpListener on the host's loopback with real sockets: requests are
// routed by rules to HTTP targets, answered by fixed responses and
// redirects as ALB answers them; both connections are kept alive.
#include "dataplane/lb/http_listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace fargo::dataplane::lb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using services::elbv2::ActionPlan;
using services::elbv2::ConditionPlan;
using services::elbv2::RulePlan;

// An HTTP/1.1 target that keeps connections alive and answers its name;
// it remembers the last request's headers and counts connections.
class Target {
 public:
  explicit Target(std::string name) : name_(std::move(name)), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Target() {
    io_.stop();
    thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  std::string Last(http::field f) {
    std::lock_guard<std::mutex> l(mu_);
    return std::string(last_[f]);
  }
  std::string Last(const char* name) {
    std::lock_guard<std::mutex> l(mu_);
    return std::string(last_[name]);
  }

 private:
  struct Conn {
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      ++connections_;
      Serve(std::make_shared<Conn>(Conn{std::move(s), {}, {}, {}}));
      Accept();
    });
  }
  void Serve(std::shared_ptr<Conn> c) {
    c->req = {};
    http::async_read(c->socket, c->buffer, c->req, [this, c](boost::system::error_code ec, size_t) {
      if (ec) return;
      ++requests_;
      {
        std::lock_guard<std::mutex> l(mu_);
        last_ = c->req.base();
      }
      c->res = http::response<http::string_body>(http::status::ok, 11);
      c->res.body() = name_;
      c->res.keep_alive(true);
      c->res.prepare_payload();
      http::async_write(c->socket, c->res, [this, c](boost::system::error_code ec, size_t) {
        if (!ec) Serve(c);
      });
    });
  }
  std::string name_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> connections_{0}, requests_{0};
  std::mutex mu_;
  http::request_header<> last_;
};

// Target groups as fixed lists of endpoints; picks round robin by the hash.
struct Backend final : ListenerBackend {
  std::map<std::string, std::vector<tcp::endpoint>> groups;
  std::atomic<int> open{0};
  std::optional<tcp::endpoint> Pick(const std::string& arn, uint64_t hash) override {
    auto it = groups.find(arn);
    if (it == groups.end() || it->second.empty()) return std::nullopt;
    return it->second[hash % it->second.size()];
  }
  void CountConnection(int delta) override { open += delta; }
};

uint16_t FreePort() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

ConditionPlan Cond(std::string field, std::string value) {
  ConditionPlan c;
  c.field = std::move(field);
  c.values = {std::move(value)};
  return c;
}

RulePlan Forward(int priority, std::vector<ConditionPlan> conds, std::vector<std::pair<std::string, int>> groups) {
  RulePlan r;
  r.priority = priority;
  r.conditions = std::move(conds);
  r.action.type = "forward";
  for (auto& [arn, w] : groups) r.action.target_groups.push_back({arn, w});
  return r;
}

RulePlan Fixed(int priority, std::vector<ConditionPlan> conds, std::string code, std::string type, std::string body) {
  RulePlan r;
  r.priority = priority;
  r.conditions = std::move(conds);
  r.action.type = "fixed-response";
  r.action.status_code = std::move(code);
  r.action.content_type = std::move(type);
  r.action.body = std::move(body);
  return r;
}

// A listener on its own loop thread.
class Balancer {
 public:
  Balancer(Backend& backend, std::vector<RulePlan> rules) {
    config_.address = "127.0.0.1";
    config_.port = FreePort();
    config_.idle_timeout_s = 60;
    config_.rules = std::make_shared<const std::vector<RulePlan>>(std::move(rules));
    auto opened = HttpListener::Open(io_, backend, config_);
    EXPECT_TRUE(opened.ok());
    listener_ = std::move(*opened);
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }
  ~Balancer() {
    asio::post(io_, [this] { listener_.reset(); });
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return config_.port; }
  // New rules, as the VPC's balancer applies a new plan (on the loop).
  void SetRules(std::vector<RulePlan> rules) {
    std::promise<void> done;
    asio::post(io_, [&] {
      ListenerConfig c = config_;
      c.rules = std::make_shared<const std::vector<RulePlan>>(std::move(rules));
      listener_->Update(c);
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  asio::io_context io_;
  ListenerConfig config_;
  std::unique_ptr<HttpListener> listener_;
  std::thread thread_;
};

// One client connection, request after request.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> Get(const std::string& target, const std::string& host = "example.com",
                                        std::vector<std::pair<std::string, std::string>> headers = {},
                                        http::verb method = http::verb::get) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host);
    for (auto& [k, v] : headers) req.set(k, v);
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

TEST(HttpListener, ForwardsWithXForwardedHeadersKeepingBothConnectionsAlive) {
  Target web("web");
  Backend backend;
  backend.groups["tg-web"] = {web.endpoint()};
  Balancer lb(backend, {Forward(0, {}, {{"tg-web", 1}})});
  Client client(lb.port());
  auto first = client.Get("/a", "example.com", {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "web");
  EXPECT_EQ(web.Last("X-Forwarded-For"), "203.0.113.9, 127.0.0.1");  // appended
  EXPECT_EQ(web.Last("X-Forwarded-Proto"), "http");
  EXPECT_EQ(web.Last("X-Forwarded-Port"), std::to_string(lb.port()));
  EXPECT_EQ(web.Last(http::field::host), "example.com");  // the client's Host goes through
  EXPECT_EQ(client.Get("/b").body(), "web");
  EXPECT_EQ(web.Last("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(client.Get("/c").body(), "web");  // three requests on one client connection
  EXPECT_EQ(web.requests(), 3);
  EXPECT_EQ(web.connections(), 1);  // and one connection to the target, reused
  EXPECT_EQ(backend.open, 1);
}

TEST(HttpListener, RoutesByRulesInPriorityOrder) {
  Target api("api"), web("web");
  Backend backend;
  backend.groups["tg-api"] = {api.endpoint()};
  backend.groups["tg-web"] = {web.endpoint()};
  RulePlan redirect;
  redirect.priority = 30;
  redirect.conditions = {Cond("path-pattern", "/old/*")};
  redirect.action.type = "redirect";
  redirect.action.status_code = "HTTP_301";
  redirect.action.protocol = "HTTPS";
  redirect.action.host = "#{host}";
  redirect.action.port = "443";
  redirect.action.path = "/new/#{path}";
  redirect.action.query = "#{query}";
  Balancer lb(backend, {Forward(10, {Cond("path-pattern", "/api/*")}, {{"tg-api", 1}}),
                        Fixed(20, {Cond("host-header", "admin.*")}, "403", "text/plain", "no admins here"), redirect,
                        Forward(0, {}, {{"tg-web", 1}})});
  Client client(lb.port());
  EXPECT_EQ(client.Get("/api/users").body(), "api");
  EXPECT_EQ(client.Get("/apix").body(), "web");  // the default rule
  // Both /api/* (priority 10) and the host rule (20) match: the first wins.
  EXPECT_EQ(client.Get("/api/users", "ADMIN.example.com").body(), "api");
  auto denied = client.Get("/x", "admin.example.com");
  EXPECT_EQ(denied.body(), "no admins here");
  EXPECT_EQ(denied[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(denied[http::field::server], "awselb/2.0");
  auto moved = client.Get("/old/page?x=1");
  EXPECT_EQ(moved.result_int(), 301);
  EXPECT_EQ(moved[http::field::location], "https://example.com/new/old/page?x=1");
}

TEST(HttpListener, WeightedForwardSplitsRequestsByWeight) {
  Target blue("blue"), green("green");
  Backend backend;
  backend.groups["tg-blue"] = {blue.endpoint()};
  backend.groups["tg-green"] = {green.endpoint()};
  Balancer lb(backend, {Forward(0, {}, {{"tg-blue", 3}, {"tg-green", 1}})});
  Client client(lb.port());
  std::map<std::string, int> seen;
  for (int i = 0; i < 40; ++i) ++seen[client.Get("/").body()];
  EXPECT_EQ(seen["blue"], 30);
  EXPECT_EQ(seen["green"], 10);
}

TEST(HttpListener, StickinessKeepsAClientOnItsTargetGroup) {
  Target blue("blue"), green("green");
  Backend backend;
  backend.groups["tg-blue"] = {blue.endpoint()};
  backend.groups["tg-green"] = {green.endpoint()};
  RulePlan rule = Forward(0, {}, {{"tg-blue", 1}, {"tg-green", 1}});
  rule.action.stickiness = true;
  rule.action.stickiness_s = 60;
  Balancer lb(backend, {rule});
  Client client(lb.port());
  auto first = client.Get("/");
  std::string cookie(first[http::field::set_cookie]);
  ASSERT_EQ(cookie.rfind("AWSALBTG=", 0), 0u) << cookie;
  std::string value = cookie.substr(0, cookie.find(';'));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(client.Get("/", "example.com", {{"Cookie", value}}).body(), first.body());
}

TEST(HttpListener, NoTargetIs503AndAFailingTargetIs502AsAlbAnswers) {
  Backend backend;
  backend.groups["tg-empty"] = {};
  backend.groups["tg-dead"] = {tcp::endpoint(asio::ip::make_address("127.0.0.1"), FreePort())};  // nothing listens
  Balancer lb(backend, {Forward(1, {Cond("path-pattern", "/dead")}, {{"tg-dead", 1}}), Forward(0, {}, {{"tg-empty", 1}})});
  Client client(lb.port());
  auto none = client.Get("/");
  EXPECT_EQ(none.result_int(), 503);
  EXPECT_EQ(none[http::field::server], "awselb/2.0");
  EXPECT_NE(none.body().find("<title>503 Service Temporarily Unavailable</title>"), std::string::npos) << none.body();
  auto dead = client.Get("/dead");  // the client's connection is still served
  EXPECT_EQ(dead.result_int(), 502);
  EXPECT_NE(dead.body().find("502 Bad Gateway"), std::string::npos);
}

TEST(HttpListener, NewRulesApplyToTheNextRequestOnAnEstablishedConnection) {
  Target web("web");
  Backend backend;
  backend.groups["tg-web"] = {web.endpoint()};
  Balancer lb(backend, {Forward(0, {}, {{"tg-web", 1}})});
  Client client(lb.port());
  EXPECT_EQ(client.Get("/maintenance").body(), "web");
  lb.SetRules({Fixed(1, {Cond("path-pattern", "/maintenance")}, "503", "application/json", "{\"down\":true}"),
               Forward(0, {}, {{"tg-web", 1}})});
  auto down = client.Get("/maintenance");
  EXPECT_EQ(down.result_int(), 503);
  EXPECT_EQ(down.body(), "{\"down\":true}");
  EXPECT_EQ(client.Get("/other").body(), "web");
}

TEST(HttpListener, AReusedTargetConnectionClosedMeanwhileIsRetriedAnew) {
  // A target that answers one request per connection, then closes it
  // without saying so (no Connection: close).
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::atomic<int> served{0};
  std::thread server([&] {
    for (int i = 0; i < 2; ++i) {
      tcp::socket s(io);
      acceptor.accept(s);
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(s, buf, req);
      http::response<http::string_body> res{http::status::ok, 11};
      res.body() = "once";
      res.prepare_payload();
      http::write(s, res);
      ++served;
      s.close();
    }
  });
  Backend backend;
  backend.groups["tg"] = {acceptor.local_endpoint()};
  Balancer lb(backend, {Forward(0, {}, {{"tg", 1}})});
  Client client(lb.port());
  EXPECT_EQ(client.Get("/").body(), "once");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(client.Get("/").body(), "once");
  server.join();
  EXPECT_EQ(served, 2);
}

TEST(HttpListener, AnAnswerEndedByClosingIsFramedAndTheClientKeepsItsConnection) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread server([&] {
    for (int i = 0; i < 2; ++i) {
      tcp::socket s(io);
      acceptor.accept(s);
      asio::streambuf buf;
      asio::read_until(s, buf, "\r\n\r\n");
      asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close")));
      s.close();
    }
  });
  Backend backend;
  backend.groups["tg"] = {acceptor.local_endpoint()};
  Balancer lb(backend, {Forward(0, {}, {{"tg", 1}})});
  Client client(lb.port());
  auto first = client.Get("/");
  EXPECT_EQ(first.body(), "until close");
  EXPECT_EQ(first[http::field::content_length], "11");
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(client.Get("/").body(), "until close");  // the same client connection
  server.join();
}

}  // namespace
}  // namespace fargo::dataplane::lb
