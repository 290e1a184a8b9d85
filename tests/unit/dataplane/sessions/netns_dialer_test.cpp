// NetnsDialer: connections made inside a named network namespace, where a
// server listens on the namespace's own loopback and a small DNS responder
// answers for the VPC's resolver (names, NXDOMAIN, a lost first query,
// silence). The host has nothing there: only a connection opened inside
// the namespace reaches them. Needs root (CI runs as root).
#include "dataplane/sessions/netns_dialer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "test_env.h"

#include "dataplane/dns/dns_message.h"
#include "runtime/netns.h"

namespace fargo::dataplane::sessions {
namespace {
using namespace std::chrono_literals;

class NetnsDialerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FARGO_REQUIRE_ROOT();
    ns_ = "fargo-test-dial-" + std::to_string(getpid());
    ASSERT_TRUE(runtime::CreateNamedNetns(ns_).ok());
    auto fd = runtime::OpenNamedNetns(ns_);
    ASSERT_TRUE(fd.ok());
    // A server and a resolver on the namespace's loopback.
    ASSERT_TRUE(runtime::RunInNetns(fd->get(), [&]() -> Status {
                  sockaddr_in a{};
                  a.sin_family = AF_INET;
                  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                  socklen_t len = sizeof a;
                  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                  if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener_, 16) != 0)
                    return AwsError::Make("InternalError", "server", 500);
                  getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
                  port_ = ntohs(a.sin_port);
                  a.sin_port = 0;
                  dns_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                  if (bind(dns_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
                    return AwsError::Make("InternalError", "resolver", 500);
                  getsockname(dns_, reinterpret_cast<sockaddr*>(&a), &len);
                  dns_port_ = ntohs(a.sin_port);
                  return OkStatus();
                }).ok());
    server_ = std::thread([this] {
      for (;;) {
        int c = accept(listener_, nullptr, nullptr);
        if (c < 0) return;
        (void)!write(c, "inside", 6);
        close(c);
      }
    });
    resolver_ = std::thread([this] { Resolve(); });
  }
  void TearDown() override {
    stop_ = true;
    if (listener_ >= 0) {
      shutdown(listener_, SHUT_RDWR);
      close(listener_);
    }
    if (server_.joinable()) server_.join();
    if (resolver_.joinable()) resolver_.join();
    if (dns_ >= 0) close(dns_);
    if (!ns_.empty()) {
      EXPECT_TRUE(runtime::RemoveNamedNetns(ns_).ok());
    }
  }

  // db.internal is 127.0.0.1; gone.internal does not exist; slow.internal
  // answers only when asked again; silent.internal never.
  void Resolve() {
    char buf[1500];
    while (!stop_) {
      pollfd p{dns_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(dns_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      auto q = dns::ParseDnsMessage(std::string_view(buf, static_cast<size_t>(n)));
      if (!q.ok() || q->questions.size() != 1) continue;
      std::string name = q->questions[0].name;
      int asked;
      {
        std::lock_guard<std::mutex> lock(mu_);
        asked = ++queries_[name];
      }
      dns::DnsMessage r = dns::ResponseTo(*q, dns::kNoError);
      if (name == "db.internal" || (name == "slow.internal" && asked > 1)) {
        r.answers.push_back(dns::DnsRecord::Cname(name, 60, "alias.internal"));
        r.answers.push_back(dns::DnsRecord::A("alias.internal", 60, INADDR_LOOPBACK));
      } else if (name == "gone.internal") {
        r.rcode = dns::kNXDomain;
      } else {
        continue;
      }
      auto wire = dns::EncodeDnsMessage(r);
      if (wire.ok()) sendto(dns_, wire->data(), wire->size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  NetnsDialer Dialer() {
    NetnsDialer d([ns = ns_] { return runtime::OpenNamedNetns(ns); }, INADDR_LOOPBACK);
    d.resolver_port = dns_port_;
    d.dns_timeout_ms = 300;
    return d;
  }
  int Queries(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return queries_[name];
  }

  static std::string Read(const runtime::UniqueFd& fd) {
    std::string out;
    char buf[64];
    pollfd p{fd.get(), POLLIN, 0};
    while (poll(&p, 1, 5000) > 0) {
      ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  std::string ns_;
  uint16_t port_ = 0, dns_port_ = 0;
  int listener_ = -1, dns_ = -1;
  std::thread server_, resolver_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, int> queries_;
};

TEST_F(NetnsDialerTest, LocalhostAndLiteralsAreTheNamespacesOwn) {
  NetnsDialer d = Dialer();
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto fd = d.Dial(host, port_);
    ASSERT_TRUE(fd.ok()) << host << ": " << fd.error().message;
    EXPECT_EQ(Read(*fd), "inside") << host;  // the server only the namespace has
  }
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_TRUE(queries_.empty());  // no name asked for
}

TEST_F(NetnsDialerTest, NamesAreAskedOfTheResolverInsideTheNamespace) {
  NetnsDialer d = Dialer();
  auto fd = d.Dial("db.internal", port_);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  EXPECT_EQ(Read(*fd), "inside");
  EXPECT_EQ(Queries("db.internal"), 1);
  // A lost query is asked once more.
  fd = d.Dial("slow.internal", port_);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  EXPECT_EQ(Queries("slow.internal"), 2);
}

TEST_F(NetnsDialerTest, UnknownNamesSilenceAndRefusalsAreErrors) {
  NetnsDialer d = Dialer();
  auto gone = d.Dial("gone.internal", port_);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "UnknownHost");
  EXPECT_NE(gone.error().message.find("gone.internal"), std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  auto silent = d.Dial("silent.internal", port_);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, "NameResolutionFailed");
  EXPECT_EQ(Queries("silent.internal"), 2);  // asked twice, 300 ms each
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 550ms);
  // A port nobody listens on in the namespace.
  uint16_t closed = static_cast<uint16_t>(port_ == 65535 ? 1 : port_ + 1);
  auto refused = d.Dial("localhost", closed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "ConnectionRefused");
  EXPECT_NE(refused.error().message.find("localhost:" + std::to_string(closed)), std::string::npos);
  // No namespace: its error.
  NetnsDialer none([] { return runtime::OpenNamedNetns("fargo-test-no-such-netns"); }, INADDR_LOOPBACK);
  auto missing = none.Dial("localhost", port_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, runtime::kNetnsNotFound);
}

}  // namespace
}  // namespace fargo::dataplane::sessions
