// ELBv2's security policies: the table's versions and ciphers as AWS
// documents them, what DescribeSSLPolicies answers from it, and listeners
// refusing names it lacks.
#include "services/elbv2/elbv2_ssl_policies.h"

#include <map>

#include "services/elbv2/elbv2_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

using namespace elbv2;  // NOLINT: the module under test
using Elbv2Policies = WireFixture<Elbv2Service>;

// AWS's protocols by policy ("Security policies for your Application Load
// Balancer", the same for Network Load Balancers).
const std::map<std::string, std::pair<uint16_t, uint16_t>> kVersions = {
    {"ELBSecurityPolicy-TLS13-1-2-2021-06", {kTls1_2, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", {kTls1_2, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", {kTls1_2, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", {kTls1_2, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-1-2021-06", {kTls1_1, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-0-2021-06", {kTls1_0, kTls1_3}},
    {"ELBSecurityPolicy-TLS13-1-3-2021-06", {kTls1_3, kTls1_3}},
    {"ELBSecurityPolicy-2016-08", {kTls1_0, kTls1_2}},
    {"ELBSecurityPolicy-2015-05", {kTls1_0, kTls1_2}},
    {"ELBSecurityPolicy-TLS-1-1-2017-01", {kTls1_1, kTls1_2}},
    {"ELBSecurityPolicy-TLS-1-2-2017-01", {kTls1_2, kTls1_2}},
    {"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", {kTls1_2, kTls1_2}},
    {"ELBSecurityPolicy-FS-2018-06", {kTls1_0, kTls1_2}},
    {"ELBSecurityPolicy-FS-1-1-2019-08", {kTls1_1, kTls1_2}},
    {"ELBSecurityPolicy-FS-1-2-2019-08", {kTls1_2, kTls1_2}},
    {"ELBSecurityPolicy-FS-1-2-Res-2019-08", {kTls1_2, kTls1_2}},
    {"ELBSecurityPolicy-FS-1-2-Res-2020-10", {kTls1_2, kTls1_2}},
};

TEST(SslPolicies, EachPolicyHasAwsVersionsAndNoOther) {
  EXPECT_EQ(std::size(SslPolicies()), kVersions.size());
  for (const auto& [name, range] : kVersions) {
    const SslPolicy* p = FindSslPolicy(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->min_version, range.first) << name;
    EXPECT_EQ(p->max_version, range.second) << name;
    // TLS 1.3 suites exactly when TLS 1.3 is offered; other ciphers
    // exactly when an older version is.
    EXPECT_EQ(!CipherListOf(*p, /*tls13=*/true).empty(), p->max_version == kTls1_3) << name;
    EXPECT_EQ(!CipherListOf(*p, /*tls13=*/false).empty(), p->min_version < kTls1_3) << name;
  }
  EXPECT_EQ(FindSslPolicy("ELBSecurityPolicy-Nope"), nullptr);
  EXPECT_EQ(FindSslPolicy("elbsecuritypolicy-2016-08"), nullptr);  // names are exact
  EXPECT_EQ(kDefaultSslPolicy, "ELBSecurityPolicy-2016-08");
}

TEST(SslPolicies, CiphersAreAwsListsInPriorityOrder) {
  EXPECT_EQ(CiphersOf(*FindSslPolicy("ELBSecurityPolicy-FS-1-2-Res-2020-10")),
            (std::vector<std::string>{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                                      "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}));
  EXPECT_EQ(CiphersOf(*FindSslPolicy("ELBSecurityPolicy-TLS13-1-3-2021-06")),
            (std::vector<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}));
  std::vector<std::string> v2016 = CiphersOf(*FindSslPolicy("ELBSecurityPolicy-2016-08"));
  ASSERT_EQ(v2016.size(), 18u);
  EXPECT_EQ(v2016.front(), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(v2016.back(), "AES256-SHA");
  std::vector<std::string> res = CiphersOf(*FindSslPolicy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"));
  ASSERT_EQ(res.size(), 7u);
  EXPECT_EQ(res[0], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(res[3], "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(CipherListOf(*FindSslPolicy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"), /*tls13=*/false),
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            "ECDHE-RSA-AES256-GCM-SHA384");
  // Ext2 lists the 2016 ciphers with its two ECDHE AES256-SHA ones swapped.
  std::vector<std::string> ext2 = CiphersOf(*FindSslPolicy("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06"));
  ASSERT_EQ(ext2.size(), 21u);
  EXPECT_EQ(ext2[13], "ECDHE-ECDSA-AES256-SHA");  // priority 14
  EXPECT_EQ(ext2[14], "ECDHE-RSA-AES256-SHA");
  EXPECT_EQ(v2016[10], "ECDHE-RSA-AES256-SHA");  // priority 11
  EXPECT_EQ(v2016[11], "ECDHE-ECDSA-AES256-SHA");
  EXPECT_EQ(SslProtocolsOf(*FindSslPolicy("ELBSecurityPolicy-TLS13-1-0-2021-06")),
            (std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
}

TEST_F(Elbv2Policies, DescribeSslPoliciesListsEveryPolicyOfTheTable) {
  auto all = Call("DescribeSSLPolicies", "");
  ASSERT_EQ(all.status, 200) << all.body;
  for (const auto& [name, range] : kVersions)
    EXPECT_NE(all.body.find("<Name>" + name + "</Name>"), std::string::npos) << name;

  auto one = Call("DescribeSSLPolicies", "Names.member.1=ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find("<SslProtocols><member>TLSv1.2</member><member>TLSv1.3</member></SslProtocols>"),
            std::string::npos) << one.body;
  EXPECT_NE(one.body.find("<member><Name>TLS_AES_128_GCM_SHA256</Name><Priority>1</Priority></member>"),
            std::string::npos) << one.body;
  EXPECT_NE(one.body.find("<member><Name>ECDHE-RSA-AES256-GCM-SHA384</Name><Priority>7</Priority></member>"),
            std::string::npos) << one.body;
  EXPECT_NE(one.body.find("<SupportedLoadBalancerTypes><member>application</member><member>network</member>"),
            std::string::npos) << one.body;
  EXPECT_EQ(one.body.find("ELBSecurityPolicy-2016-08"), std::string::npos) << one.body;

  ExpectError(Call("DescribeSSLPolicies", "Names.member.1=ELBSecurityPolicy-Nope"), 400, "SSLPolicyNotFound");
  auto gateway = Call("DescribeSSLPolicies", "LoadBalancerType=gateway");
  ASSERT_EQ(gateway.status, 200) << gateway.body;
  EXPECT_EQ(gateway.body.find("ELBSecurityPolicy"), std::string::npos) << gateway.body;

  // Pages follow NextMarker to the end.
  auto first = Call("DescribeSSLPolicies", "PageSize=10");
  ASSERT_EQ(first.status, 200) << first.body;
  std::string marker = Tag(first.body, "NextMarker");
  ASSERT_FALSE(marker.empty()) << first.body;
  auto rest = Call("DescribeSSLPolicies", "PageSize=10&Marker=" + marker);
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(Tag(rest.body, "NextMarker"), "");
  EXPECT_NE(rest.body.find("ELBSecurityPolicy-2015-05"), std::string::npos) << rest.body;
}

TEST_F(Elbv2Policies, ListenersTakeOnlyKnownPolicies) {
  const std::string kCert = "arn:aws:acm:us-east-1:000000000000:certificate/web";
  service_->SetCertificateResolver([&](const std::string& arn) -> std::optional<ListenerCertificate> {
    if (arn != kCert) return std::nullopt;
    return ListenerCertificate{arn, "PEM", "KEY", ""};
  });
  std::string lb = Tag(Call("CreateLoadBalancer", "Name=nlb&Type=network&Subnets.member.1=subnet-0a").body, "LoadBalancerArn");
  std::string tg = Tag(Call("CreateTargetGroup", "Name=tcp&Protocol=TCP&Port=80&VpcId=vpc-1&TargetType=ip").body, "TargetGroupArn");
  std::string tls = "LoadBalancerArn=" + lb + "&Protocol=TLS&Port=443&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" +
                    tg + "&Certificates.member.1.CertificateArn=" + kCert;
  ExpectError(Call("CreateListener", tls + "&SslPolicy=ELBSecurityPolicy-Nope"), 400, "SSLPolicyNotFound",
              "SSL policy 'ELBSecurityPolicy-Nope' not found");
  auto created = Call("CreateListener", tls + "&SslPolicy=ELBSecurityPolicy-TLS13-1-3-2021-06");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Tag(created.body, "SslPolicy"), "ELBSecurityPolicy-TLS13-1-3-2021-06");
  std::string listener = Tag(created.body, "ListenerArn");
  EXPECT_EQ(service_->Plan().load_balancers[0].listeners[0].ssl_policy, "ELBSecurityPolicy-TLS13-1-3-2021-06");

  ExpectError(Call("ModifyListener", "ListenerArn=" + listener + "&SslPolicy=ELBSecurityPolicy-Nope"), 400,
              "SSLPolicyNotFound");
  auto modified = Call("ModifyListener", "ListenerArn=" + listener + "&SslPolicy=ELBSecurityPolicy-FS-1-2-Res-2020-10");
  ASSERT_EQ(modified.status, 200) << modified.body;
  EXPECT_EQ(service_->Plan().load_balancers[0].listeners[0].ssl_policy, "ELBSecurityPolicy-FS-1-2-Res-2020-10");
}

}  // namespace
}  // namespace fargo::services
