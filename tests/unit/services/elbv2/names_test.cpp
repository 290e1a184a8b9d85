#include "services/elbv2/elbv2_names.h"

#include <gtest/gtest.h>

namespace fargo::services::elbv2 {
namespace {

TEST(Elbv2NamesTest, LoadBalancerNames) {
  EXPECT_TRUE(ValidateLoadBalancerName("ecsWithTf-dev").ok());
  EXPECT_TRUE(ValidateLoadBalancerName(std::string(32, 'a')).ok());
  EXPECT_FALSE(ValidateLoadBalancerName(std::string(33, 'a')).ok());
  EXPECT_FALSE(ValidateLoadBalancerName("").ok());
  EXPECT_FALSE(ValidateLoadBalancerName("-lead").ok());
  EXPECT_FALSE(ValidateLoadBalancerName("trail-").ok());
  EXPECT_FALSE(ValidateLoadBalancerName("under_score").ok());
  auto internal = ValidateLoadBalancerName("internal-lb");
  ASSERT_FALSE(internal.ok());
  EXPECT_EQ(internal.error().code, "ValidationError");
  EXPECT_NE(internal.error().message.find("internal-"), std::string::npos);
}

TEST(Elbv2NamesTest, TargetGroupNames) {
  EXPECT_TRUE(ValidateTargetGroupName("internal-tg").ok());
  EXPECT_FALSE(ValidateTargetGroupName("a.b").ok());
  EXPECT_FALSE(ValidateTargetGroupName(std::string(33, 'x')).ok());
}

TEST(Elbv2NamesTest, Arns) {
  std::string lb = LoadBalancerArn("eu-west-1", "000000000000", "network", "web", "0123456789abcdef");
  EXPECT_EQ(lb, "arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/web/0123456789abcdef");
  EXPECT_EQ(LoadBalancerArn("us-east-1", "1", "application", "a", "f"),
            "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/a/f");
  EXPECT_EQ(TargetGroupArn("eu-west-1", "000000000000", "tg", "00000000000000aa"),
            "arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/tg/00000000000000aa");
  std::string l = ListenerArn(lb, "1111111111111111");
  EXPECT_EQ(l, "arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener/net/web/0123456789abcdef/1111111111111111");
  EXPECT_EQ(ListenerRuleArn(l, "2222222222222222"),
            "arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener-rule/net/web/0123456789abcdef/"
            "1111111111111111/2222222222222222");
  EXPECT_EQ(KindOfArn(lb), ArnKind::kLoadBalancer);
  EXPECT_EQ(KindOfArn(l), ArnKind::kListener);
  EXPECT_EQ(KindOfArn(ListenerRuleArn(l, "2")), ArnKind::kListenerRule);
  EXPECT_EQ(KindOfArn(TargetGroupArn("r", "a", "n", "h")), ArnKind::kTargetGroup);
  EXPECT_EQ(KindOfArn("arn:aws:iam::1:role/x"), ArnKind::kUnknown);
  EXPECT_EQ(LoadBalancerNameFromArn(lb), "web");
}

TEST(Elbv2NamesTest, DnsNamesAndZones) {
  EXPECT_EQ(DnsName("network", "internal", "web", "eu-west-1", "6b5b9d0f19671471"),
            "internal-web-6b5b9d0f19671471.elb.eu-west-1.amazonaws.com");
  EXPECT_EQ(DnsName("network", "internet-facing", "web", "us-east-1", "6b5b9d0f19671471"),
            "web-6b5b9d0f19671471.elb.us-east-1.amazonaws.com");
  std::string alb = DnsName("application", "internet-facing", "web", "us-east-1", "6b5b9d0f19671471");
  EXPECT_EQ(alb.substr(0, 4), "web-");
  EXPECT_EQ(alb.substr(alb.size() - 28), ".us-east-1.elb.amazonaws.com");
  EXPECT_EQ(CanonicalHostedZoneId("network", "us-east-1"), "Z26RNL4JYFTOTI");
  EXPECT_EQ(CanonicalHostedZoneId("application", "us-east-1"), "Z35SXDOTRQ7X7K");
  EXPECT_EQ(CanonicalHostedZoneId("network", "eu-west-1"), "Z2IFOLAFXWLO4F");
  EXPECT_EQ(CanonicalHostedZoneId("network", "xx-nowhere-1"), "");
}

TEST(Elbv2NamesTest, DerivedPlacement) {
  EXPECT_EQ(DerivedZoneName("eu-west-1", 0), "eu-west-1a");
  EXPECT_EQ(DerivedZoneName("eu-west-1", 2), "eu-west-1c");
  std::string vpc = DerivedVpcId("subnet-1");
  EXPECT_EQ(vpc.size(), 21u);
  EXPECT_EQ(vpc.substr(0, 4), "vpc-");
  EXPECT_EQ(vpc, DerivedVpcId("subnet-1"));
  EXPECT_NE(vpc, DerivedVpcId("subnet-2"));
}

TEST(Elbv2NamesTest, Ipv4) {
  EXPECT_TRUE(IsIpv4("10.0.1.25"));
  EXPECT_FALSE(IsIpv4("10.0.1"));
  EXPECT_FALSE(IsIpv4("10.0.1.256"));
  EXPECT_FALSE(IsIpv4("10.0.01.2"));
  EXPECT_FALSE(IsIpv4("i-0123"));
}

}  // namespace
}  // namespace fargo::services::elbv2
