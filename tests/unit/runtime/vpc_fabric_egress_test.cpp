// The VPC fabric's egress, engine-free: "sandboxes" are processes in network
// namespaces of their own (as the pause container is), and "outside" is a
// namespace this test makes, reached from the host by a veth with a
// documentation address (198.51.100.0/24), never an outside address. An ENI
// with egress reaches it (NATed twice: by the VPC's uplink, then by the
// host), one without does not; fargo's service address is reached by both;
// changes apply to running ENIs and survive another fabric (fargo after
// kill -9). Needs root (CI runs as root).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/vpc_fabric.h"

extern char** environ;

namespace fargo::runtime {
namespace {

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

// A process in a new network namespace (`unshare -n sleep`), killed on scope exit.
class Netns {
 public:
  Netns() {
    const char* argv[] = {"unshare", "-n", "sleep", "120", nullptr};
    if (posix_spawnp(&pid_, "unshare", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = 0;
    struct stat mine {};
    stat("/proc/self/ns/net", &mine);
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      struct stat theirs {};
      if (stat(("/proc/" + std::to_string(pid_) + "/ns/net").c_str(), &theirs) == 0 && theirs.st_ino != mine.st_ino)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (pid_ > 0) {
      auto fd = OpenProcessNetns(pid_);
      if (fd.ok()) fd_ = std::move(*fd);
    }
  }
  ~Netns() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int pid() const { return pid_; }
  int fd() const { return fd_.get(); }

 private:
  pid_t pid_ = 0;
  UniqueFd fd_;
};

// A TCP server inside a namespace that answers every connection with `reply`.
class Server {
 public:
  Server(int netns_fd, const std::string& ip, int port, char reply) : reply_(reply) {
    Status st = RunInNetns(netns_fd, [&]() -> Status {
      fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0)
        return AwsError::Make("Test", "cannot listen on " + ip + ": " + strerror(errno), 500);
      return OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st.error().message;
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        (void)!write(c, &reply_, 1);
        close(c);
      }
    });
  }
  ~Server() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

 private:
  int fd_ = -1;
  char reply_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Connects from inside a namespace: the byte answered, '-' when nothing
// answered within `timeout_ms` (dropped), '!' when refused or unreachable.
char Ask(int netns_fd, const std::string& ip, int port, int timeout_ms = 1500) {
  char got = '-';
  (void)RunInNetns(netns_fd, [&]() -> Status {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (rc != 0 && errno != EINPROGRESS) got = '!';
    pollfd p{fd, POLLIN, 0};
    if (got == '-' && poll(&p, 1, timeout_ms) > 0) {
      char c;
      got = read(fd, &c, 1) == 1 ? c : '!';
    }
    close(fd);
    return OkStatus();
  });
  return got;
}

constexpr const char* kOutside = "198.51.100.1";  // TEST-NET-2: nothing real
constexpr int kOutsidePort = 18091;
constexpr const char* kService = "169.254.170.2";
constexpr int kServicePort = 18092;

class VpcEgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      if (InCi()) FAIL() << "the VPC fabric tests need root under CI";
      GTEST_SKIP() << "not root";
    }
    instance_ = "egress-test-" + std::to_string(getpid());
    fabric_ = std::make_unique<VpcFabric>(Options());
    // "Outside": a namespace on the host's side, as a network the host reaches.
    outside_ = std::make_unique<Netns>();
    ASSERT_GT(outside_->pid(), 0);
    host_veth_ = "fgt" + std::to_string(getpid() % 1000000);
    auto host = Netlink::Open();
    ASSERT_TRUE(host.ok());
    ASSERT_TRUE(host->CreateVeth(host_veth_, "eth0", outside_->fd(), "", 1500).ok());
    ASSERT_TRUE(host->AddAddress(host_veth_, "198.51.100.2", 24).ok());
    ASSERT_TRUE(host->SetUp(host_veth_).ok());
    auto out = Netlink::Open(outside_->fd());
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE(out->AddAddress("eth0", kOutside, 24).ok());
    ASSERT_TRUE(out->SetUp("eth0").ok());
    ASSERT_TRUE(out->SetUp("lo").ok());
    // fargo's service address on the host, as fargo serve adds it.
    ASSERT_TRUE(host->AddAddress("lo", kService, 32).ok());
    auto self = OpenProcessNetns(getpid());
    ASSERT_TRUE(self.ok());
    service_ = std::make_unique<Server>(self->get(), kService, kServicePort, 'S');
    server_ = std::make_unique<Server>(outside_->fd(), kOutside, kOutsidePort, 'O');
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
    if (fabric_)
      for (const auto& v : fabric_->Vpcs()) EXPECT_TRUE(fabric_->RemoveVpc(v).ok());
    if (!host_veth_.empty())
      if (auto host = Netlink::Open(); host.ok()) (void)host->DeleteLink(host_veth_);
    outside_.reset();
  }

  VpcFabric::Options Options() const {
    VpcFabric::Options o;
    o.instance = instance_;
    return o;
  }
  void Attach(const std::string& vpc, const std::string& subnet, const std::string& ip, Netns& sb) {
    EniAttachment eni{vpc, subnet, ip, "0a:58:0a:00:02:" + std::to_string(10 + sb.pid() % 80), "eni-" + vpc + ip,
                      sb.pid()};
    Status st = fabric_->AttachEni(eni);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void SetEgress(VpcFabric& f, const std::string& vpc, const std::string& ip, bool on) {
    Status st = f.SetEgress(vpc, ip, on);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  std::vector<std::string> Addresses(VpcFabric& f, const std::string& vpc) {
    auto a = f.EgressAddresses(vpc);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : std::vector<std::string>{};
  }

  std::string instance_, host_veth_;
  std::unique_ptr<VpcFabric> fabric_;
  std::unique_ptr<Netns> outside_;
  std::unique_ptr<Server> service_, server_;
};

TEST_F(VpcEgressTest, OnlyEnisWithEgressReachOutsideAndEveryOneReachesFargosServices) {
  const std::string vpc = "vpc-0e9e55";
  ASSERT_TRUE(fabric_->EnsureVpc(vpc).ok());
  Netns pub, priv;
  Attach(vpc, "10.0.1.0/24", "10.0.1.5", pub);
  Attach(vpc, "10.0.2.0/24", "10.0.2.5", priv);
  // Before any egress: neither goes out; both reach fargo.
  EXPECT_NE(Ask(pub.fd(), kOutside, kOutsidePort, 500), 'O');
  EXPECT_EQ(Ask(pub.fd(), kService, kServicePort), 'S');

  SetEgress(*fabric_, vpc, "10.0.1.5", true);
  EXPECT_EQ(Ask(pub.fd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(priv.fd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(pub.fd(), kService, kServicePort), 'S');
  EXPECT_EQ(Ask(priv.fd(), kService, kServicePort), 'S');
  EXPECT_EQ(Addresses(*fabric_, vpc), std::vector<std::string>{"10.0.1.5"});
  SetEgress(*fabric_, vpc, "10.0.1.5", true);  // idempotent
  EXPECT_EQ(Addresses(*fabric_, vpc), std::vector<std::string>{"10.0.1.5"});
}

TEST_F(VpcEgressTest, ChangesApplyToRunningEnisAndAnotherFabricKeepsThem) {
  const std::string vpc = "vpc-0e9e56";
  ASSERT_TRUE(fabric_->EnsureVpc(vpc).ok());
  Netns a, b;
  Attach(vpc, "10.0.1.0/24", "10.0.1.7", a);
  Attach(vpc, "10.0.1.0/24", "10.0.1.8", b);
  SetEgress(*fabric_, vpc, "10.0.1.7", true);
  ASSERT_EQ(Ask(a.fd(), kOutside, kOutsidePort), 'O');
  // A route change: a loses it, b gains it, both while running.
  SetEgress(*fabric_, vpc, "10.0.1.7", false);
  SetEgress(*fabric_, vpc, "10.0.1.8", true);
  EXPECT_NE(Ask(a.fd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(b.fd(), kOutside, kOutsidePort), 'O');
  EXPECT_EQ(Ask(a.fd(), kService, kServicePort), 'S');

  // fargo killed and started again: a new fabric reads what the namespace
  // holds, and what it is told again changes nothing.
  VpcFabric again(Options());
  EXPECT_EQ(Addresses(again, vpc), std::vector<std::string>{"10.0.1.8"});
  SetEgress(again, vpc, "10.0.1.8", true);
  SetEgress(again, vpc, "10.0.1.7", false);
  EXPECT_EQ(Addresses(again, vpc), std::vector<std::string>{"10.0.1.8"});
  EXPECT_EQ(Ask(b.fd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(a.fd(), kOutside, kOutsidePort, 700), 'O');
  // And it can take it away.
  SetEgress(again, vpc, "10.0.1.8", false);
  EXPECT_NE(Ask(b.fd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_TRUE(Addresses(again, vpc).empty());
}

TEST_F(VpcEgressTest, AVpcWithTheSameCidrIsNotOpenedByAnothersEgress) {
  // Egress is per VPC: the same address in another VPC stays closed.
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0e9e57").ok());
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0e9e58").ok());
  Netns x, y;
  Attach("vpc-0e9e57", "10.0.1.0/24", "10.0.1.9", x);
  Attach("vpc-0e9e58", "10.0.1.0/24", "10.0.1.9", y);
  SetEgress(*fabric_, "vpc-0e9e57", "10.0.1.9", true);
  EXPECT_EQ(Ask(x.fd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(y.fd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(y.fd(), kService, kServicePort), 'S');
}

TEST_F(VpcEgressTest, TakingEgressAwayFromAGoneVpcIsFineGivingItIsNot) {
  EXPECT_TRUE(fabric_->SetEgress("vpc-0e9e59", "10.0.1.5", false).ok());
  EXPECT_FALSE(fabric_->SetEgress("vpc-0e9e59", "10.0.1.5", true).ok());
  EXPECT_FALSE(fabric_->SetEgress("vpc-0e9e59", "not-an-ip", false).ok());
}

}  // namespace
}  // namespace fargo::runtime
