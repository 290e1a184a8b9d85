// Load balancers' security groups, as ELBv2 keeps them: an application load
// balancer's default group, a network load balancer's "none unless given at
// creation", SetSecurityGroups, their checks (InvalidSecurityGroup) and the
// filter the plan carries for the data plane.
#include <map>

#include "services/elbv2/elbv2_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class Elbv2SecurityGroups : public WireFixture<Elbv2Service> {
 protected:
  void SetUp() override {
    WireFixture<Elbv2Service>::SetUp();
    service_->SetSubnetResolver([](const std::string& region, const std::string& subnet) {
      return Elbv2Service::SubnetInfo{region + (subnet == "subnet-0a" ? "a" : "b"), "vpc-1"};
    });
    service_->SetInterfaceHooks(
        [this](const Elbv2Service::InterfaceRequest& r) -> Result<Elbv2Service::Interface> {
          std::string eni = "eni-" + std::to_string(made_.size() + 1);
          made_[eni] = r.security_groups;
          return Elbv2Service::Interface{eni, "10.0." + std::to_string(made_.size()) + ".9"};
        },
        [](const std::string&, const std::string&) {});
    service_->SetInterfaceGroupsHook(
        [this](const std::string&, const std::string& eni, const std::vector<std::string>& groups) -> Status {
          made_[eni] = groups;
          return OkStatus();
        });
    Elbv2Service::SecurityGroupHooks hooks;
    hooks.group_vpc = [](const std::string&, const std::string& id) -> std::string {
      if (id == "sg-web" || id == "sg-edge" || id == "sg-default") return "vpc-1";
      if (id == "sg-elsewhere") return "vpc-2";
      return "";
    };
    hooks.default_group = [](const std::string&, const std::string& vpc) {
      return vpc == "vpc-1" ? std::string("sg-default") : std::string();
    };
    hooks.filter = [](const std::string&, const std::vector<std::string>& groups) {
      runtime::SecurityFilter f;
      runtime::SecurityRule r;
      r.protocol = "tcp";
      r.from_port = r.to_port = 80;
      for (const auto& g : groups) r.cidrs.push_back(g == "sg-web" ? "10.0.7.0/24" : "10.0.9.0/24");
      f.ingress.push_back(r);
      return f;
    };
    service_->SetSecurityGroupHooks(std::move(hooks));
  }
  std::string Create(const std::string& extra) {
    auto r = Call("CreateLoadBalancer", "Name=lb&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b" + extra);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "LoadBalancerArn");
  }
  std::map<std::string, std::vector<std::string>> made_;  // interface -> its groups
};

TEST_F(Elbv2SecurityGroups, ApplicationLoadBalancerGetsTheDefaultGroupWhenNoneIsGiven) {
  std::string arn = Create("");
  auto d = Call("DescribeLoadBalancers", "LoadBalancerArns.member.1=" + arn);
  EXPECT_NE(d.body.find("<SecurityGroups><member>sg-default</member></SecurityGroups>"), std::string::npos) << d.body;
  ASSERT_EQ(made_.size(), 2u);
  for (const auto& [eni, groups] : made_) EXPECT_EQ(groups, std::vector<std::string>{"sg-default"}) << eni;
  // Groups given replace it, on the interfaces too.
  auto set = Call("SetSecurityGroups", "LoadBalancerArn=" + arn + "&SecurityGroups.member.1=sg-web");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Tag(set.body, "member"), "sg-web");
  for (const auto& [eni, groups] : made_) EXPECT_EQ(groups, std::vector<std::string>{"sg-web"}) << eni;
  d = Call("DescribeLoadBalancers", "LoadBalancerArns.member.1=" + arn);
  EXPECT_NE(d.body.find("<SecurityGroups><member>sg-web</member></SecurityGroups>"), std::string::npos) << d.body;
  // An application load balancer keeps at least one.
  ExpectError(Call("SetSecurityGroups", "LoadBalancerArn=" + arn + "&SecurityGroups="), 400, "ValidationError");
}

TEST_F(Elbv2SecurityGroups, NetworkLoadBalancerWithoutGroupsCannotGetThemLater) {
  std::string arn = Create("&Type=network");
  auto d = Call("DescribeLoadBalancers", "LoadBalancerArns.member.1=" + arn);
  EXPECT_EQ(d.body.find("SecurityGroups"), std::string::npos) << d.body;
  for (const auto& [eni, groups] : made_) EXPECT_TRUE(groups.empty()) << eni;  // not even the default
  ExpectError(Call("SetSecurityGroups", "LoadBalancerArn=" + arn + "&SecurityGroups.member.1=sg-web"), 400,
              "InvalidConfigurationRequest",
              "You cannot set security groups on a Network Load Balancer which was created without any security "
              "groups.");
  auto plan = service_->Plan();
  ASSERT_EQ(plan.load_balancers.size(), 1u);
  EXPECT_TRUE(plan.load_balancers[0].security_groups.empty());  // passes traffic unfiltered
}

TEST_F(Elbv2SecurityGroups, NetworkLoadBalancerMadeWithGroupsChangesThemAndThePrivateLinkSetting) {
  std::string arn = Create("&Type=network&SecurityGroups.member.1=sg-web");
  auto d = Call("DescribeLoadBalancers", "LoadBalancerArns.member.1=" + arn);
  EXPECT_EQ(Tag(d.body, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"), "on");
  auto set = Call("SetSecurityGroups", "LoadBalancerArn=" + arn +
                                           "&SecurityGroups.member.1=sg-edge&SecurityGroups.member.2=sg-web"
                                           "&EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic=off");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Tag(set.body, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"), "off");
  for (const auto& [eni, groups] : made_) EXPECT_EQ(groups, (std::vector<std::string>{"sg-edge", "sg-web"})) << eni;
  d = Call("DescribeLoadBalancers", "LoadBalancerArns.member.1=" + arn);
  EXPECT_EQ(Tag(d.body, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"), "off");
  // The plan carries the groups and what they admit.
  auto plan = service_->Plan();
  ASSERT_EQ(plan.load_balancers.size(), 1u);
  EXPECT_EQ(plan.load_balancers[0].security_groups, (std::vector<std::string>{"sg-edge", "sg-web"}));
  ASSERT_EQ(plan.load_balancers[0].filter.ingress.size(), 1u);
  EXPECT_EQ(plan.load_balancers[0].filter.ingress[0].cidrs, (std::vector<std::string>{"10.0.9.0/24", "10.0.7.0/24"}));
  // Created with groups: it may drop them all.
  ASSERT_EQ(Call("SetSecurityGroups", "LoadBalancerArn=" + arn + "&SecurityGroups=").status, 200);
  for (const auto& [eni, groups] : made_) EXPECT_TRUE(groups.empty()) << eni;
}

TEST_F(Elbv2SecurityGroups, UnknownGroupsAndGroupsOfAnotherVpcAreInvalid) {
  ExpectError(Call("CreateLoadBalancer",
                   "Name=lb&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b&SecurityGroups.member.1=sg-ghost"),
              400, "InvalidSecurityGroup", "Security group 'sg-ghost' does not exist");
  ExpectError(Call("CreateLoadBalancer", "Name=lb&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b"
                                         "&SecurityGroups.member.1=sg-elsewhere"),
              400, "InvalidSecurityGroup");
  EXPECT_TRUE(made_.empty());  // nothing made for a refused load balancer
  std::string arn = Create("");
  ExpectError(Call("SetSecurityGroups", "LoadBalancerArn=" + arn + "&SecurityGroups.member.1=sg-elsewhere"), 400,
              "InvalidSecurityGroup");
  for (const auto& [eni, groups] : made_) EXPECT_EQ(groups, std::vector<std::string>{"sg-default"}) << eni;
}

}  // namespace
}  // namespace fargo::services
