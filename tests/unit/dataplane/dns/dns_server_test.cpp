// The resolver served over UDP and TCP (in this process's namespace, on
// 127.0.0.1), forwarding to a fake upstream: relayed answers, NXDOMAIN,
// SERVFAIL in bounded time when the upstream is silent or absent.
#include "dataplane/dns/dns_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace fargo::dataplane::dns {
namespace {

using namespace std::chrono;

std::string Query(const std::string& name, uint16_t type = kA, uint16_t id = 99) {
  DnsMessage q;
  q.id = id;
  q.rd = true;
  q.questions.push_back({name, type, kClassIN});
  return *EncodeDnsMessage(q);
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

// Sends over UDP and waits up to `wait` for the answer ("" if none).
std::string AskUdp(uint16_t port, const std::string& q, milliseconds wait = milliseconds(5000)) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa = Loopback(port);
  sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  char buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  return n > 0 ? std::string(buf, n) : std::string();
}

std::string AskTcp(uint16_t port, const std::string& q) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return "";
  }
  std::string framed = {static_cast<char>(q.size() >> 8), static_cast<char>(q.size())};
  framed += q;
  (void)!write(fd, framed.data(), framed.size());
  std::string got;
  char buf[4096];
  for (;;) {
    if (got.size() >= 2 && got.size() >= 2 + ((size_t(uint8_t(got[0])) << 8) | uint8_t(got[1]))) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, n);
  }
  close(fd);
  return got.size() > 2 ? got.substr(2) : "";
}

// A fake upstream: answers example.com with 93.184.216.34, NXDOMAIN for
// nope.example, and nothing at all for silent.example.
class FakeUpstream {
 public:
  FakeUpstream() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa = Loopback(0);
    bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] {
      char buf[4096];
      while (!stop_) {
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n <= 0) continue;
        ++queries_;
        auto q = ParseDnsMessage(std::string_view(buf, n));
        if (!q.ok()) continue;
        std::string name = q->questions[0].name;
        if (name == "silent.example") continue;
        DnsMessage r = ResponseTo(*q, name == "nope.example" ? kNXDomain : kNoError);
        if (name == "example.com") r.answers.push_back(DnsRecord::A(name, 300, (93u << 24) | (184u << 16) | (216u << 8) | 34));
        std::string w = *EncodeDnsMessage(r);
        sendto(fd_, w.data(), w.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
      }
    });
  }
  ~FakeUpstream() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }
  int queries() const { return queries_; }

 private:
  int fd_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

class DnsServerTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<boost::asio::ip::udp::endpoint> upstreams, milliseconds timeout = milliseconds(600)) {
    DnsServer::Options o;
    o.resolver.service_prefixes = {"s3", "sts"};
    o.forwarder.upstreams = std::move(upstreams);
    o.forwarder.timeout = timeout;
    o.port = 0;
    server_ = std::make_unique<DnsServer>(o, nullptr);
    ASSERT_TRUE(server_->Start().ok());
    auto view = DnsVpcView::Make("vpc-1", "eu-west-1", "10.0.0.0/16", "10.0.0.3");
    auto port = server_->Serve(*view, -1, {"127.0.0.1"});
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
  }
  std::unique_ptr<DnsServer> server_;
  uint16_t port_ = 0;
};

boost::asio::ip::udp::endpoint Upstream(uint16_t port) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

TEST_F(DnsServerTest, AnswersLocallyOverUdpAndTcp) {
  StartServer({});
  for (const std::string& wire : {AskUdp(port_, Query("s3.amazonaws.com")), AskTcp(port_, Query("s3.amazonaws.com"))}) {
    auto r = ParseDnsMessage(wire);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->id, 99);
    ASSERT_EQ(r->answers.size(), 1u);
    EXPECT_EQ(r->answers[0].rdata, std::string("\x0a\x00\x00\x03", 4));
  }
}

TEST_F(DnsServerTest, ForwardsAndRelaysAnswersAndNxdomain) {
  FakeUpstream up;
  StartServer({Upstream(up.port())});
  auto r = ParseDnsMessage(AskUdp(port_, Query("example.com", kA, 1234)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 1234);  // the client's id, whatever went upstream
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0].ttl, 300u);
  r = ParseDnsMessage(AskTcp(port_, Query("nope.example")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kNXDomain);
}

TEST_F(DnsServerTest, SilentUpstreamGivesServfailInBoundedTime) {
  FakeUpstream up;
  StartServer({Upstream(up.port()), Upstream(up.port())}, milliseconds(800));
  auto start = steady_clock::now();
  auto r = ParseDnsMessage(AskUdp(port_, Query("silent.example")));
  auto took = steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kServFail);
  EXPECT_LT(took, milliseconds(2500));
  EXPECT_EQ(up.queries(), 2);  // each upstream asked once
}

TEST_F(DnsServerTest, NoUpstreamOrClosedPortGivesServfailAtOnce) {
  StartServer({Upstream(1)});  // nothing listens on port 1: ICMP unreachable
  auto start = steady_clock::now();
  auto r = ParseDnsMessage(AskUdp(port_, Query("example.com")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kServFail);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
}

TEST_F(DnsServerTest, MalformedQueryGetsFormerrAndServingGoesOn) {
  StartServer({});
  std::string bad = Query("s3.amazonaws.com");
  bad.resize(20);
  auto r = ParseDnsMessage(AskUdp(port_, bad));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kFormErr);
  EXPECT_EQ(AskUdp(port_, "\x01", milliseconds(200)), "");  // too short to answer
  r = ParseDnsMessage(AskUdp(port_, Query("sts.amazonaws.com")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->answers.size(), 1u);
}

TEST_F(DnsServerTest, UnserveStopsAnswering) {
  StartServer({});
  server_->Unserve("vpc-1");
  EXPECT_FALSE(server_->Serving("vpc-1"));
  EXPECT_EQ(AskUdp(port_, Query("s3.amazonaws.com"), milliseconds(300)), "");
}

TEST(DnsForwarderTest, ReadsResolvConf) {
  char path[] = "/tmp/fargo-resolv-XXXXXX";
  int fd = mkstemp(path);
  std::string text = "# comment\nsearch example.com\nnameserver 10.1.2.3\nnameserver ::1\nnameserver fe80::1%eth0\n";
  (void)!write(fd, text.data(), text.size());
  close(fd);
  auto ns = DnsForwarder::ReadResolvConf(path);
  unlink(path);
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_EQ(ns[0].address().to_string(), "10.1.2.3");
  EXPECT_EQ(ns[0].port(), 53);
  EXPECT_EQ(ns[1].address().to_string(), "::1");
  EXPECT_TRUE(DnsForwarder::ReadResolvConf("/nonexistent").empty());
}

}  // namespace
}  // namespace fargo::dataplane::dns
