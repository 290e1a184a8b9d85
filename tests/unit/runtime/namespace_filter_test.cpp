// Security groups enforced in a task's namespace (namespace_filter.h): the
// rules rendered for iptables-restore, and, as root, what they let through
// between "tasks" of a VPC (processes in namespaces of their own, plumbed by
// the VPC fabric as the pause container is): admitted connections answer,
// others time out (dropped, never refused), replies of connections a task
// opens pass, and fargo's service address is reached whatever the rules.
#include "runtime/namespace_filter.h"

#include <unistd.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/netns_probe.h"
#include "runtime/vpc_fabric.h"
#include "test_env.h"

namespace fargo::runtime {
namespace {

SecurityRule Rule(std::string proto, int from, int to, std::vector<std::string> cidrs) {
  SecurityRule r;
  r.protocol = std::move(proto);
  r.from_port = from;
  r.to_port = to;
  r.cidrs = std::move(cidrs);
  return r;
}
const SecurityRule kAllOut = Rule("-1", -1, -1, {"0.0.0.0/0"});
const FilterPlace kPlace{"10.0.0.0/16", "10.0.1.0/24"};

TEST(NamespaceFilterRenderTest, AnOpenFilterIsAnEmptyTable) {
  SecurityFilter open{{Rule("-1", -1, -1, {"0.0.0.0/0"})}, {kAllOut}};
  EXPECT_EQ(RenderNamespaceFilter(open, kPlace),
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
}

TEST(NamespaceFilterRenderTest, TheStorysRuleWithDefaultEgress) {
  SecurityFilter f{{Rule("tcp", 80, 80, {"10.0.0.0/16"})}, {kAllOut}};
  EXPECT_EQ(RenderNamespaceFilter(f, kPlace),
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":FARGO-SG-IN - [0:0]\n:FARGO-SG-OUT - [0:0]\n"
            "-A INPUT -i eth0 -j FARGO-SG-IN\n"
            "-A OUTPUT -o eth0 -j FARGO-SG-OUT\n"
            "-A FARGO-SG-IN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
            "-A FARGO-SG-IN -s 169.254.0.0/16 -j ACCEPT\n"
            "-A FARGO-SG-IN -s 10.0.1.1/32 -j ACCEPT\n"
            "-A FARGO-SG-IN -s 10.0.0.0/16 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            "-A FARGO-SG-IN -j DROP\n"
            "-A FARGO-SG-OUT -j ACCEPT\n"
            "COMMIT\n");
}

TEST(NamespaceFilterRenderTest, EgressRulesKeepFargosServicesAndEveryProtocolForm) {
  SecurityFilter f{{},
                   {Rule("-1", -1, -1, {"10.0.3.0/24"}), Rule("udp", 1000, 2000, {"0.0.0.0/0"}),
                    Rule("icmp", 8, -1, {"10.0.1.9/32", "10.0.1.10/32"}), Rule("icmp", -1, -1, {"10.0.9.0/24"}),
                    Rule("47", -1, -1, {"10.0.2.0/24"}), Rule("icmpv6", -1, -1, {"10.0.2.0/24"})}};
  EXPECT_EQ(RenderNamespaceFilter(f, kPlace),
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":FARGO-SG-IN - [0:0]\n:FARGO-SG-OUT - [0:0]\n"
            "-A INPUT -i eth0 -j FARGO-SG-IN\n"
            "-A OUTPUT -o eth0 -j FARGO-SG-OUT\n"
            "-A FARGO-SG-IN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
            "-A FARGO-SG-IN -s 169.254.0.0/16 -j ACCEPT\n"
            "-A FARGO-SG-IN -s 10.0.1.1/32 -j ACCEPT\n"
            "-A FARGO-SG-IN -j DROP\n"
            "-A FARGO-SG-OUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 169.254.170.2/32 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 169.254.170.3/32 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 169.254.172.0/22 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.0.2/32 -p udp -m udp --dport 53 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.0.2/32 -p tcp -m tcp --dport 53 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 169.254.169.253/32 -p udp -m udp --dport 53 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 169.254.169.253/32 -p tcp -m tcp --dport 53 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.1.1/32 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.3.0/24 -j ACCEPT\n"
            "-A FARGO-SG-OUT -p udp -m udp --dport 1000:2000 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.1.9/32 -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.1.10/32 -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.9.0/24 -p icmp -j ACCEPT\n"
            "-A FARGO-SG-OUT -d 10.0.2.0/24 -p 47 -j ACCEPT\n"
            "-A FARGO-SG-OUT -j DROP\n"
            "COMMIT\n");
}

TEST(BalancerFilterRenderTest, EachAddressAdmitsItsRulesAndDropsTheRest) {
  BalancerFilter alb{{"10.0.1.100", "10.0.2.100"},
                     {{Rule("tcp", 80, 80, {"10.0.1.0/24", "10.0.3.7/32"})}, {Rule("tcp", 8080, 8080, {"10.0.5.0/24"})}}};
  EXPECT_EQ(RenderBalancerFilter({alb}, true, false),
            "*filter\n:FARGO-LB-IN - [0:0]\n:FARGO-LB-OUT - [0:0]\n"
            "-I INPUT 1 -j FARGO-LB-IN\n"
            "-A FARGO-LB-IN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
            "-A FARGO-LB-OUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.1.100/32 -s 169.254.0.0/16 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.1.100/32 -s 10.0.1.0/24 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.1.100/32 -s 10.0.3.7/32 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.1.100/32 -j DROP\n"
            "-A FARGO-LB-OUT -s 10.0.1.100/32 -d 10.0.5.0/24 -p tcp -m tcp --dport 8080 -j ACCEPT\n"
            "-A FARGO-LB-OUT -s 10.0.1.100/32 -j DROP\n"
            "-A FARGO-LB-IN -d 10.0.2.100/32 -s 169.254.0.0/16 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.2.100/32 -s 10.0.1.0/24 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.2.100/32 -s 10.0.3.7/32 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            "-A FARGO-LB-IN -d 10.0.2.100/32 -j DROP\n"
            "-A FARGO-LB-OUT -s 10.0.2.100/32 -d 10.0.5.0/24 -p tcp -m tcp --dport 8080 -j ACCEPT\n"
            "-A FARGO-LB-OUT -s 10.0.2.100/32 -j DROP\n"
            "COMMIT\n");
}

TEST(BalancerFilterRenderTest, NoLoadBalancersEmptyTheChains) {
  EXPECT_EQ(RenderBalancerFilter({}, false, false), "*filter\n:FARGO-LB-IN - [0:0]\n:FARGO-LB-OUT - [0:0]\nCOMMIT\n");
  // A group admitting everything: one rule without a peer.
  BalancerFilter open{{"10.0.1.100"}, {{Rule("-1", -1, -1, {"0.0.0.0/0"})}, {kAllOut}}};
  std::string text = RenderBalancerFilter({open}, false, false);
  EXPECT_NE(text.find("-A FARGO-LB-IN -d 10.0.1.100/32 -j ACCEPT\n"), std::string::npos) << text;
  EXPECT_NE(text.find("-A FARGO-LB-OUT -s 10.0.1.100/32 -j ACCEPT\n"), std::string::npos) << text;
}

// ---- enforced, as root

using Netns = test_util::ProcessNetns;
using Server = test_util::NetnsServer;

constexpr const char* kService = "169.254.170.2";
constexpr int kServicePort = 18093;

class NamespaceFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FARGO_REQUIRE_ROOT();
    VpcFabric::Options o;
    o.instance = "sg-test-" + std::to_string(getpid());
    fabric_ = std::make_unique<VpcFabric>(o);
    ASSERT_TRUE(fabric_->EnsureVpc(kVpc).ok());
    Attach("10.0.1.0/24", "10.0.1.5", task_);
    Attach("10.0.1.0/24", "10.0.1.6", peer_);
    Attach("10.0.2.0/24", "10.0.2.6", stranger_);
    // fargo's service address on the host (as fargo serve adds it).
    auto host = Netlink::Open();
    ASSERT_TRUE(host.ok());
    (void)host->AddAddress("lo", kService, 32);  // there already when fargo runs
    auto self = OpenProcessNetns(getpid());
    ASSERT_TRUE(self.ok());
    service_ = std::make_unique<Server>(self->get(), kService, kServicePort, 'S');
    web_ = std::make_unique<Server>(task_.NetnsFd(), "10.0.1.5", 80, 'W');
    other_ = std::make_unique<Server>(task_.NetnsFd(), "10.0.1.5", 8080, 'X');
    peer_web_ = std::make_unique<Server>(peer_.NetnsFd(), "10.0.1.6", 80, 'P');
  }
  void TearDown() override {
    web_.reset();
    other_.reset();
    peer_web_.reset();
    service_.reset();
    if (fabric_) {
      for (const auto& v : fabric_->Vpcs()) EXPECT_TRUE(fabric_->RemoveVpc(v).ok());
    }
  }
  void Attach(const std::string& subnet, const std::string& ip, Netns& sb) {
    EniAttachment eni{kVpc, subnet, ip, "0a:58:0a:00:03:" + std::to_string(10 + sb.pid() % 80), "eni-sg" + ip,
                      sb.pid()};
    Status st = fabric_->AttachEni(eni);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void Apply(const SecurityFilter& f) {
    Status st = ApplyNamespaceFilter(task_.NetnsFd(), RenderNamespaceFilter(f, kPlace));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  static char Ask(Netns& from, const std::string& ip, int port, int timeout_ms = 1500) {
    return test_util::Ask(from.NetnsFd(), ip, port, timeout_ms);
  }

  static constexpr const char* kVpc = "vpc-05e7f11";
  std::unique_ptr<VpcFabric> fabric_;
  Netns task_, peer_, stranger_;
  std::unique_ptr<Server> service_, web_, other_, peer_web_;
};

TEST_F(NamespaceFilterTest, IngressAdmitsOnlyTheRulesAndDropsTheRest) {
  // Unfiltered: everything answers.
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 8080), 'X');
  // Port 80 from the subnet only.
  Apply({{Rule("tcp", 80, 80, {"10.0.1.0/24"})}, {kAllOut}});
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 80), 'W');
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 8080, 700), '-');     // dropped: no answer, not refused
  EXPECT_EQ(Ask(stranger_, "10.0.1.5", 80, 700), '-');   // another subnet
  // The task's own connections out, and their replies, pass.
  EXPECT_EQ(Ask(task_, "10.0.1.6", 80), 'P');
  // Replaced whole: the stranger's address admitted, the subnet no longer.
  Apply({{Rule("-1", -1, -1, {"10.0.2.6/32"})}, {kAllOut}});
  EXPECT_EQ(Ask(stranger_, "10.0.1.5", 8080), 'X');
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 80, 700), '-');
  // Open again: nothing filtered.
  Apply({{Rule("-1", -1, -1, {"0.0.0.0/0"})}, {kAllOut}});
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 8080), 'X');
}

TEST_F(NamespaceFilterTest, EgressIsEnforcedButFargosServicesStayReachable) {
  Apply({{}, {Rule("tcp", 80, 80, {"10.0.2.0/24"})}});
  EXPECT_EQ(Ask(task_, "10.0.1.6", 80, 700), '-');  // no egress rule for the peer
  EXPECT_EQ(Ask(task_, kService, kServicePort), 'S');
  // Ingress admits nothing, but what the task opens gets its replies.
  EXPECT_EQ(Ask(peer_, "10.0.1.5", 80, 700), '-');
  Apply({{}, {Rule("tcp", 80, 80, {"10.0.1.6/32"})}});
  EXPECT_EQ(Ask(task_, "10.0.1.6", 80), 'P');
}

// A load balancer's address in the VPC's namespace, filtered there: its
// ingress rules admit, everything else to it is dropped; the tasks' own
// traffic through the router is not touched; lifting the filter opens it.
TEST_F(NamespaceFilterTest, LoadBalancerAddressesAreFilteredInTheVpcNamespace) {
  ASSERT_TRUE(fabric_->SetLoadBalancerAddresses(kVpc, {"10.0.1.100"}).ok());
  auto ns = fabric_->OpenVpcNetns(kVpc);
  ASSERT_TRUE(ns.ok());
  Server lb(ns->get(), "10.0.1.100", 80, 'L');
  EXPECT_EQ(Ask(stranger_, "10.0.1.100", 80), 'L');  // no groups: open
  BalancerFilter f{{"10.0.1.100"}, {{Rule("tcp", 80, 80, {"10.0.1.6/32"})}, {kAllOut}}};
  Status st = fabric_->SetLoadBalancerFilter(kVpc, {f});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(Ask(peer_, "10.0.1.100", 80), 'L');
  EXPECT_EQ(Ask(stranger_, "10.0.1.100", 80, 700), '-');  // dropped, not refused
  EXPECT_EQ(Ask(stranger_, "10.0.1.5", 80), 'W');         // routed traffic is the tasks' business
  // Rewritten whole (the jumps are not added twice): the stranger now.
  f.filter.ingress = {Rule("tcp", 80, 80, {"10.0.2.0/24"})};
  st = fabric_->SetLoadBalancerFilter(kVpc, {f});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(Ask(stranger_, "10.0.1.100", 80), 'L');
  EXPECT_EQ(Ask(peer_, "10.0.1.100", 80, 700), '-');
  // Out of the load balancer's address (relays, health checks): its egress
  // rules only; the VPC router's own traffic is not touched.
  f.filter.egress = {Rule("tcp", 80, 80, {"10.0.1.6/32"})};
  st = fabric_->SetLoadBalancerFilter(kVpc, {f});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(test_util::Ask(ns->get(), "10.0.1.6", 80, 1500, "10.0.1.100"), 'P');
  EXPECT_EQ(test_util::Ask(ns->get(), "10.0.1.5", 80, 700, "10.0.1.100"), '-');
  EXPECT_EQ(test_util::Ask(ns->get(), "10.0.1.5", 80), 'W');
  ASSERT_TRUE(fabric_->SetLoadBalancerFilter(kVpc, {}).ok());
  EXPECT_EQ(Ask(peer_, "10.0.1.100", 80), 'L');
  EXPECT_EQ(test_util::Ask(ns->get(), "10.0.1.5", 80, 1500, "10.0.1.100"), 'W');
  ASSERT_TRUE(fabric_->SetLoadBalancerAddresses(kVpc, {}).ok());
}

}  // namespace
}  // namespace fargo::runtime
