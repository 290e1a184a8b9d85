// The VPC fabric, with "sandboxes" that are plain processes in network
// namespaces of their own (as the pause container is): VPCs with the same
// CIDR are isolated from each other, subnets of one VPC route to each other,
// fargo's service address is reached over the uplink, and a VPC's
// namespace and uplink go with it. Needs root (CI runs as root).
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

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/vpc_fabric.h"
#include "runtime/netns_probe.h"
#include "test_env.h"


namespace fargo::runtime {
namespace {


using test_util::Ask;
using Sandbox = test_util::ProcessNetns;
using Server = test_util::NetnsServer;

VpcFabric::Options Options(const std::string& instance) {
  VpcFabric::Options o;
  o.instance = instance;
  return o;
}

class VpcFabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FARGO_REQUIRE_ROOT();
    fabric_ = std::make_unique<VpcFabric>(Options("fabric-test-" + std::to_string(getpid())));
  }
  void TearDown() override {
    if (!fabric_) return;
    for (const auto& v : fabric_->Vpcs()) EXPECT_TRUE(fabric_->RemoveVpc(v).ok());
  }

  void Attach(const std::string& vpc, const std::string& subnet, const std::string& ip, Sandbox& sb) {
    EniAttachment eni{vpc, subnet, ip, "0a:58:0a:00:01:" + std::to_string(10 + sb.pid() % 80), "eni-" + vpc + ip,
                      sb.pid()};
    Status st = fabric_->AttachEni(eni);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  std::unique_ptr<VpcFabric> fabric_;
};

TEST_F(VpcFabricTest, VpcsWithTheSameCidrAreIsolatedAndSubnetsRouteInsideOne) {
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0aaaa").ok());
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0bbbb").ok());
  Sandbox a1, a2, a3, b1;
  Attach("vpc-0aaaa", "10.0.1.0/24", "10.0.1.5", a1);
  Attach("vpc-0aaaa", "10.0.1.0/24", "10.0.1.6", a2);
  Attach("vpc-0aaaa", "10.0.2.0/24", "10.0.2.9", a3);
  Attach("vpc-0bbbb", "10.0.1.0/24", "10.0.1.6", b1);  // the same address as a2, in the other VPC
  Server sa2(a2.NetnsFd(), "10.0.1.6", 8080, 'A');
  Server sa3(a3.NetnsFd(), "10.0.2.9", 8080, 'C');
  Server sb1(b1.NetnsFd(), "10.0.1.6", 8080, 'B');
  EXPECT_EQ(Ask(a1.NetnsFd(), "10.0.1.6", 8080), 'A');  // its own VPC's 10.0.1.6
  EXPECT_EQ(Ask(a1.NetnsFd(), "10.0.2.9", 8080), 'C');  // another subnet, through the VPC router
  EXPECT_EQ(Ask(a3.NetnsFd(), "10.0.1.6", 8080), 'A');
  EXPECT_NE(Ask(b1.NetnsFd(), "10.0.1.5", 8080, 500), 'A');  // nothing of VPC A is reachable from B
  EXPECT_NE(Ask(b1.NetnsFd(), "10.0.2.9", 8080, 500), 'C');
}

TEST_F(VpcFabricTest, FargosServiceAddressIsReachedOverTheUplink) {
  // The service address on the host, as fargo serve adds 169.254.170.2.
  const std::string svc = "169.254.170.2";
  {
    auto nl = Netlink::Open();
    ASSERT_TRUE(nl.ok());
    ASSERT_TRUE(nl->AddAddress("lo", svc, 32).ok());
  }
  auto host = OpenProcessNetns(getpid());
  ASSERT_TRUE(host.ok());
  Server on_host(host->get(), svc, 18087, 'H');
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0cccc").ok());
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0dddd").ok());
  Sandbox c, d;
  Attach("vpc-0cccc", "10.0.1.0/24", "10.0.1.5", c);
  Attach("vpc-0dddd", "10.0.1.0/24", "10.0.1.5", d);  // same address, other VPC: replies must not mix up
  EXPECT_EQ(Ask(c.NetnsFd(), svc, 18087), 'H');
  EXPECT_EQ(Ask(d.NetnsFd(), svc, 18087), 'H');
}

// The hardware address of `link` in the named namespace `ns` ("" if none).
std::string LinkMac(const std::string& ns, const std::string& link) {
  std::string cmd = "ip -n " + ns + " -o link show " + link + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  char buf[1024];
  std::string out;
  while (p && fgets(buf, sizeof buf, p.get())) out += buf;
  auto at = out.find("link/ether ");
  return at == std::string::npos ? "" : out.substr(at + 11, 17);
}

TEST_F(VpcFabricTest, TheRouterKeepsItsAddressAsTasksComeAndGo) {
  // A bridge left to itself takes its ports' lowest address and changes it
  // when that port goes: every task's cached gateway would then be wrong.
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0ffff").ok());
  std::string ns = fabric_->NamespaceOf("vpc-0ffff");
  std::string router = VpcFabric::RouterMac("vpc-0ffff");
  EXPECT_EQ(LinkMac(ns, "vpc0"), router);
  EXPECT_NE(router, VpcFabric::RouterMac("vpc-0eeee"));
  Sandbox a, b;
  Attach("vpc-0ffff", "10.0.1.0/24", "10.0.1.5", a);
  Attach("vpc-0ffff", "10.0.2.0/24", "10.0.2.9", b);
  Server sb(b.NetnsFd(), "10.0.2.9", 8080, 'B');
  {
    std::vector<std::unique_ptr<Sandbox>> passing;
    for (int i = 0; i < 4; ++i) {
      passing.push_back(std::make_unique<Sandbox>());
      Attach("vpc-0ffff", "10.0.1.0/24", "10.0.1." + std::to_string(20 + i), *passing.back());
    }
    EXPECT_EQ(Ask(a.NetnsFd(), "10.0.2.9", 8080), 'B');  // through the router: a caches its address
    for (int i = 0; i < 4; ++i)
      EXPECT_TRUE(fabric_->DetachEni("vpc-0ffff", "eni-vpc-0ffff10.0.1." + std::to_string(20 + i)).ok());
  }
  EXPECT_EQ(LinkMac(ns, "vpc0"), router);
  EXPECT_EQ(Ask(a.NetnsFd(), "10.0.2.9", 8080, 500), 'B');  // still, at once
  // A bridge made before the address was fixed gets it when adopted.
  ASSERT_EQ(std::system(("ip -n " + ns + " link set vpc0 address 02:00:00:00:00:01").c_str()), 0);
  VpcFabric again(Options("fabric-test-" + std::to_string(getpid())));
  ASSERT_TRUE(again.EnsureVpc("vpc-0ffff").ok());
  EXPECT_EQ(LinkMac(ns, "vpc0"), router);
}

TEST_F(VpcFabricTest, ARestartedFabricAdoptsItsVpcsAndRemovingOneLeavesNothing) {
  ASSERT_TRUE(fabric_->EnsureVpc("vpc-0eeee").ok());
  Sandbox e;
  Attach("vpc-0eeee", "10.9.0.0/24", "10.9.0.4", e);
  std::string ns = fabric_->NamespaceOf("vpc-0eeee");
  std::string uplink = fabric_->UplinkName("vpc-0eeee");
  // Another fabric of the same instance (fargo after kill -9) sees it, and
  // ensuring it again changes nothing.
  VpcFabric again(Options("fabric-test-" + std::to_string(getpid())));
  EXPECT_EQ(again.Vpcs(), std::vector<std::string>{"vpc-0eeee"});
  ASSERT_TRUE(again.EnsureVpc("vpc-0eeee").ok());
  // Another instance does not.
  VpcFabric other(Options("someone-else"));
  EXPECT_TRUE(other.Vpcs().empty());

  ASSERT_TRUE(again.RemoveVpc("vpc-0eeee").ok());
  EXPECT_FALSE(OpenNamedNetns(ns).ok());
  auto nl = Netlink::Open();
  ASSERT_TRUE(nl.ok());
  EXPECT_FALSE(nl->LinkIndex(uplink).ok());
  EXPECT_TRUE(fabric_->Vpcs().empty());
}

TEST(InterfaceHasAddress, LoopbackIsOneAndADocumentationAddressIsNot) {
  EXPECT_TRUE(InterfaceHasAddress("127.0.0.1"));
  EXPECT_FALSE(InterfaceHasAddress("192.0.2.77"));
  EXPECT_FALSE(InterfaceHasAddress("not an address"));
}

}  // namespace
}  // namespace fargo::runtime
