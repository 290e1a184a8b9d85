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
#include "runtime/netns_probe.h"
#include "runtime/vpc_fabric.h"
#include "test_env.h"


namespace fargo::runtime {
namespace {

using Netns = test_util::ProcessNetns;
using Server = test_util::NetnsServer;

// How long an answer that should come is waited for.
constexpr int kAnswerMs = 1500;

char Ask(int netns_fd, const std::string& ip, int port, int timeout_ms = kAnswerMs) {
  return test_util::Ask(netns_fd, ip, port, timeout_ms);
}

constexpr const char* kOutside = "198.51.100.1";  // TEST-NET-2: nothing real
constexpr int kOutsidePort = 18091;
constexpr const char* kService = "169.254.170.2";
constexpr int kServicePort = 18092;

class VpcEgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FARGO_REQUIRE_ROOT();
    instance_ = "egress-test-" + std::to_string(getpid());
    fabric_ = std::make_unique<VpcFabric>(Options());
    // "Outside": a namespace on the host's side, as a network the host reaches.
    outside_ = std::make_unique<Netns>();
    ASSERT_GT(outside_->pid(), 0);
    host_veth_ = "fgt" + std::to_string(getpid() % 1000000);
    auto host = Netlink::Open();
    ASSERT_TRUE(host.ok());
    ASSERT_TRUE(host->CreateVeth(host_veth_, "eth0", outside_->NetnsFd(), "", 1500).ok());
    ASSERT_TRUE(host->AddAddress(host_veth_, "198.51.100.2", 24).ok());
    ASSERT_TRUE(host->SetUp(host_veth_).ok());
    auto out = Netlink::Open(outside_->NetnsFd());
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE(out->AddAddress("eth0", kOutside, 24).ok());
    ASSERT_TRUE(out->SetUp("eth0").ok());
    ASSERT_TRUE(out->SetUp("lo").ok());
    // fargo's service address on the host, as fargo serve adds it.
    ASSERT_TRUE(host->AddAddress("lo", kService, 32).ok());
    auto self = OpenProcessNetns(getpid());
    ASSERT_TRUE(self.ok());
    service_ = std::make_unique<Server>(self->get(), kService, kServicePort, 'S');
    server_ = std::make_unique<Server>(outside_->NetnsFd(), kOutside, kOutsidePort, 'O');
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
  EXPECT_NE(Ask(pub.NetnsFd(), kOutside, kOutsidePort, 500), 'O');
  EXPECT_EQ(Ask(pub.NetnsFd(), kService, kServicePort), 'S');

  SetEgress(*fabric_, vpc, "10.0.1.5", true);
  EXPECT_EQ(Ask(pub.NetnsFd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(priv.NetnsFd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(pub.NetnsFd(), kService, kServicePort), 'S');
  EXPECT_EQ(Ask(priv.NetnsFd(), kService, kServicePort), 'S');
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
  ASSERT_EQ(Ask(a.NetnsFd(), kOutside, kOutsidePort), 'O');
  // A route change: a loses it, b gains it, both while running.
  SetEgress(*fabric_, vpc, "10.0.1.7", false);
  SetEgress(*fabric_, vpc, "10.0.1.8", true);
  EXPECT_NE(Ask(a.NetnsFd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(b.NetnsFd(), kOutside, kOutsidePort), 'O');
  EXPECT_EQ(Ask(a.NetnsFd(), kService, kServicePort), 'S');

  // fargo killed and started again: a new fabric reads what the namespace
  // holds, and what it is told again changes nothing.
  VpcFabric again(Options());
  EXPECT_EQ(Addresses(again, vpc), std::vector<std::string>{"10.0.1.8"});
  SetEgress(again, vpc, "10.0.1.8", true);
  SetEgress(again, vpc, "10.0.1.7", false);
  EXPECT_EQ(Addresses(again, vpc), std::vector<std::string>{"10.0.1.8"});
  EXPECT_EQ(Ask(b.NetnsFd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(a.NetnsFd(), kOutside, kOutsidePort, 700), 'O');
  // And it can take it away.
  SetEgress(again, vpc, "10.0.1.8", false);
  EXPECT_NE(Ask(b.NetnsFd(), kOutside, kOutsidePort, 700), 'O');
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
  EXPECT_EQ(Ask(x.NetnsFd(), kOutside, kOutsidePort), 'O');
  EXPECT_NE(Ask(y.NetnsFd(), kOutside, kOutsidePort, 700), 'O');
  EXPECT_EQ(Ask(y.NetnsFd(), kService, kServicePort), 'S');
}

TEST_F(VpcEgressTest, TakingEgressAwayFromAGoneVpcIsFineGivingItIsNot) {
  EXPECT_TRUE(fabric_->SetEgress("vpc-0e9e59", "10.0.1.5", false).ok());
  EXPECT_FALSE(fabric_->SetEgress("vpc-0e9e59", "10.0.1.5", true).ok());
  EXPECT_FALSE(fabric_->SetEgress("vpc-0e9e59", "not-an-ip", false).ok());
}

}  // namespace
}  // namespace fargo::runtime
