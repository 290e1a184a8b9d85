// A VpcBalancer on the host's loopback (no namespace): a listener relays
// to an HTTP target once its health checks pass; a target answering 503
// goes unhealthy with AWS's reason.
#include "dataplane/lb/vpc_balancer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "dataplane/lb/listener_on_loop.h"

namespace fargo::dataplane::lb {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Answers each connection with one HTTP response of the current status.
class HttpTarget {
 public:
  HttpTarget() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpTarget() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> status{200};

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<tcp::socket>(std::move(s));
      auto buf = std::make_shared<asio::streambuf>();
      asio::async_read_until(*sock, *buf, "\r\n\r\n", [this, sock, buf](boost::system::error_code ec, size_t) {
        if (ec) return;
        auto body = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status.load()) +
                                                  " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        asio::async_write(*sock, asio::buffer(*body), [sock, body](boost::system::error_code, size_t) {
          boost::system::error_code ignored;
          sock->shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
      Accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

class Reports {
 public:
  void Add(const HealthReport& r) {
    std::lock_guard<std::mutex> l(mu_);
    last_ = r;
  }
  // Waits (at most 15 s) until the last report is `state`.
  HealthReport WaitFor(const std::string& state) {
    for (int i = 0; i < 300; ++i) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (last_.state == state) return last_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::lock_guard<std::mutex> l(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  HealthReport last_;
};

std::string Get(uint16_t port) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "connect: " + ec.message();
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(req), ec);
  std::string out;
  char buf[512];
  for (;;) {
    size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

TEST(VpcBalancer, RelaysToAHealthyTargetAndSeesItGoUnhealthy) {
  HttpTarget target;
  Reports reports;
  VpcBalancer balancer("vpc-test", [&reports](const HealthReport& r) { reports.Add(r); });
  ASSERT_TRUE(balancer.Start(-1).ok());

  uint16_t listen_port = FreePort();
  auto plan = std::make_shared<VpcPlan>();
  services::elbv2::LoadBalancerPlan lb;
  lb.region = "us-east-1";
  lb.arn = "arn:lb";
  lb.type = "network";
  lb.vpc_id = "vpc-test";
  lb.addresses = {"127.0.0.1"};
  lb.listeners.push_back({"arn:listener", "TCP", listen_port, "arn:tg"});
  plan->load_balancers.push_back(lb);
  services::elbv2::TargetGroupPlan tg;
  tg.region = "us-east-1";
  tg.arn = "arn:tg";
  tg.protocol = "TCP";
  tg.target_type = "ip";
  tg.health_check.protocol = "HTTP";
  tg.health_check.path = "/";
  tg.health_check.matcher = "200-399";
  tg.health_check.interval_s = 1;
  tg.health_check.timeout_s = 1;
  tg.health_check.healthy_threshold = 2;
  tg.health_check.unhealthy_threshold = 2;
  tg.targets.push_back({"127.0.0.1", target.port(), false});
  plan->target_groups.push_back(tg);
  balancer.Apply(plan);

  HealthReport healthy = reports.WaitFor("healthy");
  ASSERT_EQ(healthy.state, "healthy");
  EXPECT_EQ(healthy.target_group_arn, "arn:tg");
  EXPECT_EQ(healthy.port, target.port());
  EXPECT_NE(Get(listen_port).find("\r\n\r\nok"), std::string::npos);
  EXPECT_EQ(balancer.stats().listeners, 1u);

  target.status = 503;
  HealthReport bad = reports.WaitFor("unhealthy");
  ASSERT_EQ(bad.state, "unhealthy");
  EXPECT_EQ(bad.reason, "Target.ResponseCodeMismatch");
  // Its only target unhealthy, the load balancer fails open: still relayed.
  EXPECT_NE(Get(listen_port).find("503"), std::string::npos);

  // The listener goes with the plan; the port is free again.
  balancer.Apply(std::make_shared<VpcPlan>());
  for (int i = 0; i < 100 && balancer.stats().listeners != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(balancer.stats().listeners, 0u);
  EXPECT_NE(Get(listen_port).find("connect:"), std::string::npos);
  balancer.Stop();
}

}  // namespace
}  // namespace fargo::dataplane::lb
