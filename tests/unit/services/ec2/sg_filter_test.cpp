// Security groups as a packet filter: ComputeSecurityFilter over tables of
// stored rules and members (what an interface in those groups gets), and
// Ec2Service's SecurityFilterOf through EC2's own operations (the default
// group, rules authorized and revoked, members joining, groups deleted),
// with the change hook the runtime's updates hang on.
#include "services/ec2/sg_filter.h"

#include <map>

#include "services/ec2/ec2_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

namespace json = boost::json;
using runtime::SecurityFilter;
using runtime::SecurityRule;

SecurityRule R(std::string proto, int from, int to, std::vector<std::string> cidrs) {
  SecurityRule r;
  r.protocol = std::move(proto);
  r.from_port = from;
  r.to_port = to;
  r.cidrs = std::move(cidrs);
  return r;
}

json::object Cidr(bool egress, const char* proto, int from, int to, const char* cidr) {
  return {{"IsEgress", egress}, {"IpProtocol", proto}, {"FromPort", from}, {"ToPort", to}, {"CidrIpv4", cidr}};
}
json::object Group(bool egress, const char* proto, int from, int to, const char* group) {
  return {{"IsEgress", egress},
          {"IpProtocol", proto},
          {"FromPort", from},
          {"ToPort", to},
          {"ReferencedGroupInfo", json::object{{"GroupId", group}, {"UserId", "000000000000"}}}};
}

struct Case {
  const char* name;
  std::vector<json::array> groups;  // the rules of each group of the interface
  SecurityFilter want;
};

TEST(ComputeSecurityFilterTest, GroupsRulesAndMembersMakeTheFilter) {
  std::map<std::string, std::vector<std::string>> members{
      {"sg-default", {"10.0.1.5", "10.0.2.9"}}, {"sg-web", {"10.0.1.7"}}, {"sg-empty", {}}};
  const SecurityRule all_out = R("-1", -1, -1, {"0.0.0.0/0"});
  const std::vector<Case> cases = {
      {"the default group: its members, all out",
       {json::array{Group(false, "-1", -1, -1, "sg-default"), Cidr(true, "-1", -1, -1, "0.0.0.0/0")}},
       {{R("-1", -1, -1, {"10.0.1.5/32", "10.0.2.9/32"})}, {all_out}}},
      {"no rules at all: nothing in, nothing out", {json::array{}}, {{}, {}}},
      {"the story's rule: port 80 from the VPC",
       {json::array{Cidr(false, "tcp", 80, 80, "10.0.0.0/16"), Cidr(true, "-1", -1, -1, "0.0.0.0/0")}},
       {{R("tcp", 80, 80, {"10.0.0.0/16"})}, {all_out}}},
      {"two groups: the union, peers of one port range merged and sorted",
       {json::array{Cidr(false, "tcp", 80, 80, "10.0.2.0/24"), Cidr(false, "6", 80, 80, "10.0.1.0/24")},
        json::array{Group(false, "tcp", 80, 80, "sg-web"), Cidr(false, "tcp", 80, 80, "10.0.1.0/24")}},
       {{R("tcp", 80, 80, {"10.0.1.0/24", "10.0.1.7/32", "10.0.2.0/24"})}, {}}},
      {"0.0.0.0/0 covers the other peers; a full port range is every port",
       {json::array{Cidr(false, "udp", 0, 65535, "10.0.1.0/24"), Cidr(false, "17", 0, 65535, "0.0.0.0/0")}},
       {{R("udp", -1, -1, {"0.0.0.0/0"})}, {}}},
      {"icmp type and code, any code, any type",
       {json::array{Cidr(false, "icmp", 8, -1, "10.0.0.0/16"), Cidr(false, "1", 3, 4, "10.0.0.0/16"),
                    Cidr(false, "icmp", -1, 7, "10.0.9.0/24")}},
       {{R("icmp", -1, -1, {"10.0.9.0/24"}), R("icmp", 3, 4, {"10.0.0.0/16"}), R("icmp", 8, -1, {"10.0.0.0/16"})},
        {}}},
      {"a group without members admits nothing; IPv6 and prefix lists neither",
       {json::array{Group(false, "tcp", 22, 22, "sg-empty"),
                    json::object{{"IsEgress", false}, {"IpProtocol", "tcp"}, {"FromPort", 443}, {"ToPort", 443},
                                 {"CidrIpv6", "::/0"}},
                    json::object{{"IsEgress", true}, {"IpProtocol", "tcp"}, {"FromPort", 443}, {"ToPort", 443},
                                 {"PrefixListId", "pl-1234"}}}},
       {{}, {}}},
      {"egress to a group and a host, host bits cleared",
       {json::array{Group(true, "tcp", 5432, 5432, "sg-web"), Cidr(true, "tcp", 5432, 5432, "10.0.3.77/24"),
                    Cidr(true, "50", -1, -1, "10.0.4.0/24")}},
       {{}, {R("50", -1, -1, {"10.0.4.0/24"}), R("tcp", 5432, 5432, {"10.0.1.7/32", "10.0.3.0/24"})}}},
  };
  for (const auto& c : cases) {
    std::vector<const json::array*> rules;
    for (const auto& g : c.groups) rules.push_back(&g);
    SecurityFilter got = ec2::ComputeSecurityFilter(rules, [&](const std::string& gid) { return members[gid]; });
    EXPECT_TRUE(got == c.want) << c.name;
  }
}

// ---- through EC2's operations

class SecurityFilterOfTest : public WireFixture<Ec2Service> {
 protected:
  void SetUp() override {
    WireFixture::SetUp();
    service_->SetSecurityChangeHook([this] { ++changes_; });
    vpc_ = Tag(Call("CreateVpc", "CidrBlock=10.0.0.0%2F16").body, "vpcId");
    subnet_ = Tag(Call("CreateSubnet", "VpcId=" + vpc_ + "&CidrBlock=10.0.1.0%2F24").body, "subnetId");
    default_ = Tag(Call("DescribeSecurityGroups", "Filter.1.Name=vpc-id&Filter.1.Value.1=" + vpc_).body, "groupId");
    ASSERT_FALSE(default_.empty());
  }
  std::string NewGroup(const std::string& name) {
    auto r = Call("CreateSecurityGroup", "GroupName=" + name + "&GroupDescription=d&VpcId=" + vpc_);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "groupId");
  }
  // An interface in `groups` (the default group when none) at `ip`.
  std::string Eni(const std::string& ip, const std::vector<std::string>& groups = {}) {
    std::string q = "SubnetId=" + subnet_ + "&PrivateIpAddress=" + ip;
    for (size_t i = 0; i < groups.size(); ++i) q += "&SecurityGroupId." + std::to_string(i + 1) + "=" + groups[i];
    auto r = Call("CreateNetworkInterface", q);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "networkInterfaceId");
  }
  void Ingress(const std::string& op, const std::string& group, const std::string& perm) {
    auto r = Call(op, "GroupId=" + group + "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80"
                      "&IpPermissions.1.ToPort=80&" + perm);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  SecurityFilter Of(const std::string& eni) {
    auto groups = service_->InterfaceGroups("us-east-1", eni);
    EXPECT_TRUE(groups.has_value());
    return service_->SecurityFilterOf("us-east-1", groups.value_or(std::vector<std::string>{}));
  }

  std::string vpc_, subnet_, default_;
  int changes_ = 0;
};

TEST_F(SecurityFilterOfTest, TheDefaultGroupAdmitsItsMembersAndLetsAllOut) {
  std::string a = Eni("10.0.1.10");
  EXPECT_TRUE((Of(a) == SecurityFilter{{R("-1", -1, -1, {"10.0.1.10/32"})}, {R("-1", -1, -1, {"0.0.0.0/0"})}}));
  int before = changes_;
  Eni("10.0.1.11");  // joining the group changes every member's filter
  EXPECT_GT(changes_, before);
  EXPECT_EQ(Of(a).ingress, std::vector<SecurityRule>{R("-1", -1, -1, {"10.0.1.10/32", "10.0.1.11/32"})});
  EXPECT_FALSE(service_->InterfaceGroups("us-east-1", "eni-0000000000000dead").has_value());
}

TEST_F(SecurityFilterOfTest, RulesAuthorizedAndRevokedAndSourceGroups) {
  std::string web = NewGroup("web"), clients = NewGroup("clients");
  std::string task = Eni("10.0.1.20", {web});
  // A new group: nothing in, everything out (AWS's default egress rule).
  EXPECT_TRUE((Of(task) == SecurityFilter{{}, {R("-1", -1, -1, {"0.0.0.0/0"})}}));
  int before = changes_;
  Ingress("AuthorizeSecurityGroupIngress", web, "IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16");
  EXPECT_GT(changes_, before);
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("tcp", 80, 80, {"10.0.0.0/16"})});
  // From a source group: its members only (none yet, then one).
  Ingress("AuthorizeSecurityGroupIngress", web, "IpPermissions.1.Groups.1.GroupId=" + clients);
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("tcp", 80, 80, {"10.0.0.0/16"})});
  Eni("10.0.1.30", {clients});
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("tcp", 80, 80, {"10.0.0.0/16", "10.0.1.30/32"})});
  before = changes_;
  Ingress("RevokeSecurityGroupIngress", web, "IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16");
  EXPECT_GT(changes_, before);
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("tcp", 80, 80, {"10.0.1.30/32"})});
  // Egress revoked: nothing out.
  before = changes_;
  auto r = Call("RevokeSecurityGroupEgress",
                "GroupId=" + web + "&IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_GT(changes_, before);
  EXPECT_TRUE(Of(task).egress.empty());
}

TEST_F(SecurityFilterOfTest, ADeletedGroupAndADeletedMemberChangeTheFilter) {
  std::string web = NewGroup("web2"), spare = NewGroup("spare");
  std::string task = Eni("10.0.1.40", {web, default_});
  std::string member = Eni("10.0.1.41");
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("-1", -1, -1, {"10.0.1.40/32", "10.0.1.41/32"})});
  int before = changes_;
  EXPECT_EQ(Call("DeleteNetworkInterface", "NetworkInterfaceId=" + member).status, 200);
  EXPECT_GT(changes_, before);
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("-1", -1, -1, {"10.0.1.40/32"})});
  before = changes_;
  EXPECT_EQ(Call("DeleteSecurityGroup", "GroupId=" + spare).status, 200);
  EXPECT_GT(changes_, before);
}

TEST_F(SecurityFilterOfTest, ModifySecurityGroupRulesChangesARuleInPlace) {
  std::string web = NewGroup("web3");
  std::string task = Eni("10.0.1.50", {web});
  auto r = Call("AuthorizeSecurityGroupIngress", "GroupId=" + web +
                "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80"
                "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string rule = Tag(r.body, "securityGroupRuleId");
  ASSERT_FALSE(rule.empty());
  const std::string to443 = "&SecurityGroupRule.1.SecurityGroupRule.IpProtocol=tcp"
                            "&SecurityGroupRule.1.SecurityGroupRule.FromPort=443"
                            "&SecurityGroupRule.1.SecurityGroupRule.ToPort=443"
                            "&SecurityGroupRule.1.SecurityGroupRule.CidrIpv4=10.0.1.0%2F24";
  int before = changes_;
  r = Call("ModifySecurityGroupRules", "GroupId=" + web + "&SecurityGroupRule.1.SecurityGroupRuleId=" + rule + to443);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_GT(changes_, before);
  EXPECT_EQ(Of(task).ingress, std::vector<SecurityRule>{R("tcp", 443, 443, {"10.0.1.0/24"})});
  r = Call("DescribeSecurityGroupRules", "SecurityGroupRuleId.1=" + rule);
  EXPECT_EQ(Tag(r.body, "fromPort"), "443") << r.body;
  EXPECT_EQ(Tag(r.body, "cidrIpv4"), "10.0.1.0/24") << r.body;
  ExpectError(Call("ModifySecurityGroupRules",
                   "GroupId=" + web + "&SecurityGroupRule.1.SecurityGroupRuleId=sgr-0000000000000dead" + to443),
              400, "InvalidSecurityGroupRuleId.NotFound");
}

}  // namespace
}  // namespace fargo::services
