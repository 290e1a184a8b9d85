// ELBv2 handlers through the query wire.
#include "services/elbv2/elbv2_service.h"

#include <cctype>

#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

using Elbv2Wire = WireFixture<Elbv2Service>;

constexpr char kGroup[] = "Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&TargetType=ip";

TEST_F(Elbv2Wire, CreateTargetGroupThenDescribeIt) {
  auto created = Call("CreateTargetGroup", kGroup);
  ASSERT_EQ(created.status, 200) << created.body;
  std::string arn = Tag(created.body, "TargetGroupArn");
  EXPECT_EQ(arn.rfind("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/", 0), 0u) << arn;
  auto described = Call("DescribeTargetGroups", "Names.member.1=web");
  ASSERT_EQ(described.status, 200) << described.body;
  EXPECT_EQ(Tag(described.body, "TargetGroupArn"), arn);
  EXPECT_EQ(Tag(described.body, "Port"), "80");
}

TEST_F(Elbv2Wire, UnknownTargetGroupIsNotFound) {
  ExpectError(Call("DescribeTargetGroups", "Names.member.1=ghost"), 400, "TargetGroupNotFound",
              "Target groups '[ghost]' not found");
}

TEST_F(Elbv2Wire, RegisterTargetsAndSeeTheirHealth) {
  std::string arn = Tag(Call("CreateTargetGroup", kGroup).body, "TargetGroupArn");
  auto reg = Call("RegisterTargets", "TargetGroupArn=" + arn + "&Targets.member.1.Id=10.0.1.5&Targets.member.1.Port=8080");
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto health = Call("DescribeTargetHealth", "TargetGroupArn=" + arn);
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(Tag(health.body, "Id"), "10.0.1.5");
  EXPECT_EQ(Tag(health.body, "Port"), "8080");
}

TEST_F(Elbv2Wire, BadTargetAddressIsInvalidTarget) {
  std::string arn = Tag(Call("CreateTargetGroup", kGroup).body, "TargetGroupArn");
  ExpectError(Call("RegisterTargets", "TargetGroupArn=" + arn + "&Targets.member.1.Id=not-an-ip"), 400,
              "InvalidTarget");
}

TEST_F(Elbv2Wire, TargetGroupsSurviveARestart) {
  std::string arn = Tag(Call("CreateTargetGroup", kGroup).body, "TargetGroupArn");
  Restart();
  auto r = Call("DescribeTargetGroups", "TargetGroupArns.member.1=" + arn);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Tag(r.body, "TargetGroupName"), "web");
}

TEST_F(Elbv2Wire, LoadBalancerDnsNamesAreListedForTheVpcResolver) {
  int changes = 0;
  service_->SetChangeHook([&changes] { ++changes; });
  auto created = Call("CreateLoadBalancer", "Name=Web&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(changes, 1);
  auto names = service_->LoadBalancerDnsNames();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].region, "us-east-1");
  EXPECT_EQ(names[0].vpc_id, Tag(created.body, "VpcId"));
  std::string dns = Tag(created.body, "DNSName");
  for (char& c : dns) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(names[0].dns_name, dns);
  EXPECT_EQ(names[0].dns_name.rfind("web-", 0), 0u) << names[0].dns_name;  // lower case
  EXPECT_TRUE(names[0].addresses.empty());  // no data plane gives it addresses yet
  Call("DescribeLoadBalancers", "");
  EXPECT_EQ(changes, 1);  // reads change nothing
  ASSERT_EQ(Call("DeleteLoadBalancer", "LoadBalancerArn=" + Tag(created.body, "LoadBalancerArn")).status, 200);
  EXPECT_EQ(changes, 2);
  EXPECT_TRUE(service_->LoadBalancerDnsNames().empty());
}

TEST_F(Elbv2Wire, NetworkLoadBalancerGetsAnAddressPerSubnetAndItsPlan) {
  std::vector<Elbv2Service::InterfaceRequest> made;
  std::vector<std::string> deleted;
  service_->SetInterfaceHooks(
      [&made](const Elbv2Service::InterfaceRequest& r) -> Result<Elbv2Service::Interface> {
        made.push_back(r);
        return Elbv2Service::Interface{"eni-" + std::to_string(made.size()), "10.0." + std::to_string(made.size()) + ".9"};
      },
      [&deleted](const std::string&, const std::string& eni) { deleted.push_back(eni); });
  int plans = 0;
  service_->SetPlanHook([&plans] { ++plans; });
  auto created = Call("CreateLoadBalancer", "Name=nlb&Type=network&Scheme=internal&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b");
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[0].interface_type, "network_load_balancer");
  std::string lb_arn = Tag(created.body, "LoadBalancerArn");
  EXPECT_EQ(made[0].description, "ELB " + lb_arn.substr(lb_arn.find(":loadbalancer/") + 14));
  EXPECT_NE(created.body.find("<PrivateIPv4Address>10.0.1.9</PrivateIPv4Address>"), std::string::npos) << created.body;
  auto names = service_->LoadBalancerDnsNames();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].addresses, (std::vector<std::string>{"10.0.1.9", "10.0.2.9"}));
  // Same name, same subnets: the same load balancer, no new interfaces.
  ASSERT_EQ(Call("CreateLoadBalancer", "Name=nlb&Type=network&Scheme=internal&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b").status, 200);
  EXPECT_EQ(made.size(), 2u);

  std::string tg = Tag(Call("CreateTargetGroup", "Name=web&Protocol=TCP&Port=80&VpcId=vpc-1&TargetType=ip&HealthCheckProtocol=HTTP&HealthCheckPath=/").body, "TargetGroupArn");
  ASSERT_EQ(Call("RegisterTargets", "TargetGroupArn=" + tg + "&Targets.member.1.Id=10.0.1.20").status, 200);
  ASSERT_EQ(Call("CreateListener", "LoadBalancerArn=" + lb_arn + "&Protocol=TCP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" + tg).status, 200);
  EXPECT_GE(plans, 4);
  auto plan = service_->Plan();
  ASSERT_EQ(plan.load_balancers.size(), 1u);
  ASSERT_EQ(plan.load_balancers[0].listeners.size(), 1u);
  EXPECT_EQ(plan.load_balancers[0].listeners[0].port, 80);
  EXPECT_EQ(plan.load_balancers[0].listeners[0].target_group_arn, tg);
  EXPECT_EQ(plan.load_balancers[0].idle_timeout_s, 350);
  ASSERT_EQ(plan.target_groups.size(), 1u);
  EXPECT_EQ(plan.target_groups[0].health_check.protocol, "HTTP");
  EXPECT_EQ(plan.target_groups[0].health_check.matcher, "200-399");
  ASSERT_EQ(plan.target_groups[0].targets.size(), 1u);
  EXPECT_EQ(plan.target_groups[0].targets[0].ip, "10.0.1.20");
  EXPECT_EQ(plan.target_groups[0].targets[0].port, 80);

  // One subnet less: its interface goes.
  ASSERT_EQ(Call("SetSubnets", "LoadBalancerArn=" + lb_arn + "&Subnets.member.1=subnet-0a").status, 200);
  EXPECT_EQ(deleted, (std::vector<std::string>{"eni-2"}));
  ASSERT_EQ(Call("DeleteLoadBalancer", "LoadBalancerArn=" + lb_arn).status, 200);
  EXPECT_EQ(deleted, (std::vector<std::string>{"eni-2", "eni-1"}));
}

TEST_F(Elbv2Wire, SecureListenersTakeAcmCertificatesByArnAndAddMoreForSni) {
  const std::string kCert = "arn:aws:acm:us-east-1:000000000000:certificate/default";
  const std::string kSni = "arn:aws:acm:us-east-1:000000000000:certificate/sni";
  service_->SetCertificateResolver([&](const std::string& arn) -> std::optional<elbv2::ListenerCertificate> {
    if (arn != kCert && arn != kSni) return std::nullopt;
    return elbv2::ListenerCertificate{arn, "PEM " + arn, "KEY " + arn, ""};
  });
  std::string lb = Tag(Call("CreateLoadBalancer", "Name=nlb&Type=network&Subnets.member.1=subnet-0a").body, "LoadBalancerArn");
  std::string tg = Tag(Call("CreateTargetGroup", "Name=tcp&Protocol=TCP&Port=80&VpcId=vpc-1&TargetType=ip").body, "TargetGroupArn");
  std::string tls = "LoadBalancerArn=" + lb + "&Protocol=TLS&Port=443&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" + tg;
  ExpectError(Call("CreateListener", tls), 400, "CertificateNotFound", "");
  ExpectError(Call("CreateListener", tls + "&Certificates.member.1.CertificateArn=arn:aws:acm:us-east-1:000000000000:certificate/ghost"),
              400, "CertificateNotFound", "");
  auto created = Call("CreateListener", tls + "&Certificates.member.1.CertificateArn=" + kCert);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Tag(created.body, "SslPolicy"), "ELBSecurityPolicy-2016-08");
  std::string listener = Tag(created.body, "ListenerArn");
  EXPECT_EQ(service_->LoadBalancersUsingCertificate(kCert), (std::vector<std::string>{lb}));
  EXPECT_TRUE(service_->LoadBalancersUsingCertificate(kSni).empty());

  ASSERT_EQ(Call("AddListenerCertificates", "ListenerArn=" + listener + "&Certificates.member.1.CertificateArn=" + kSni).status, 200);
  auto listed = Call("DescribeListenerCertificates", "ListenerArn=" + listener);
  ASSERT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("<CertificateArn>" + kCert + "</CertificateArn><IsDefault>true</IsDefault>"), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find("<CertificateArn>" + kSni + "</CertificateArn><IsDefault>false</IsDefault>"), std::string::npos) << listed.body;
  EXPECT_EQ(service_->LoadBalancersUsingCertificate(kSni), (std::vector<std::string>{lb}));
  // The data plane gets both PEMs, the default first.
  auto plan = service_->Plan();
  ASSERT_EQ(plan.load_balancers[0].listeners[0].certificates.size(), 2u);
  EXPECT_EQ(plan.load_balancers[0].listeners[0].certificates[0].cert_pem, "PEM " + kCert);
  EXPECT_EQ(plan.load_balancers[0].listeners[0].certificates[1].key_pem, "KEY " + kSni);

  ExpectError(Call("RemoveListenerCertificates", "ListenerArn=" + listener + "&Certificates.member.1.CertificateArn=" + kCert),
              400, "OperationNotPermitted", "");
  ASSERT_EQ(Call("RemoveListenerCertificates", "ListenerArn=" + listener + "&Certificates.member.1.CertificateArn=" + kSni).status, 200);
  EXPECT_TRUE(service_->LoadBalancersUsingCertificate(kSni).empty());
  ExpectError(Call("AddListenerCertificates", "ListenerArn=" + listener + "&Certificates.member.1.CertificateArn=arn:aws:acm:us-east-1:000000000000:certificate/ghost"),
              400, "CertificateNotFound", "");
}

TEST_F(Elbv2Wire, ModifyListenerToHttpsNeedsAKnownCertificateAndBackToHttpDropsThem) {
  const std::string kCert = "arn:aws:acm:us-east-1:000000000000:certificate/web";
  service_->SetCertificateResolver([&](const std::string& arn) -> std::optional<elbv2::ListenerCertificate> {
    if (arn != kCert) return std::nullopt;
    return elbv2::ListenerCertificate{arn, "PEM", "KEY", ""};
  });
  std::string lb = Tag(Call("CreateLoadBalancer", "Name=alb&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b").body, "LoadBalancerArn");
  std::string tg = Tag(Call("CreateTargetGroup", kGroup).body, "TargetGroupArn");
  auto created = Call("CreateListener", "LoadBalancerArn=" + lb + "&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" + tg);
  ASSERT_EQ(created.status, 200) << created.body;
  std::string listener = Tag(created.body, "ListenerArn");
  ExpectError(Call("ModifyListener", "ListenerArn=" + listener + "&Protocol=HTTPS&Port=443"), 400, "CertificateNotFound");
  auto https = Call("ModifyListener", "ListenerArn=" + listener + "&Protocol=HTTPS&Port=443&Certificates.member.1.CertificateArn=" + kCert);
  ASSERT_EQ(https.status, 200) << https.body;
  EXPECT_EQ(Tag(https.body, "SslPolicy"), "ELBSecurityPolicy-2016-08");
  EXPECT_EQ(service_->Plan().load_balancers[0].listeners[0].certificates.size(), 1u);
  auto http = Call("ModifyListener", "ListenerArn=" + listener + "&Protocol=HTTP&Port=80");
  ASSERT_EQ(http.status, 200) << http.body;
  EXPECT_EQ(http.body.find("Certificates"), std::string::npos) << http.body;
  EXPECT_TRUE(service_->LoadBalancersUsingCertificate(kCert).empty());
}

}  // namespace
}  // namespace fargo::services
