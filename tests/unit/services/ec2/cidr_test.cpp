#include <gtest/gtest.h>

#include "services/ec2/cidr.h"
#include "services/ec2/regions.h"

namespace fargo::services::ec2 {
namespace {

TEST(Ec2CidrTest, ParsesBlocks) {
  auto c = ParseIpv4Cidr("10.0.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix, 16);
  EXPECT_EQ(c->base, 0x0A000000u);
  EXPECT_EQ(c->Size(), 65536u);
  EXPECT_EQ(c->ToString(), "10.0.0.0/16");
  EXPECT_EQ(FormatIpv4(c->Last()), "10.0.255.255");
  EXPECT_EQ(ParseIpv4Cidr("0.0.0.0/0")->Size(), uint64_t{1} << 32);
  EXPECT_EQ(ParseIpv4Cidr("192.168.1.7/32")->Size(), 1u);
}

TEST(Ec2CidrTest, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0.0", "10.0.0/16", "10.0.0.0/33", "10.0.0.256/24", "10.0.0.0/", "a.b.c.d/8",
                          "10.0.0.0/16x", "10..0.0/16", "10.0.0.0.0/16", "010.0.0.0/8", "10.0.0.0/-1"})
    EXPECT_FALSE(ParseIpv4Cidr(bad)) << bad;
}

TEST(Ec2CidrTest, HostBitsStrictOrCleared) {
  EXPECT_FALSE(ParseIpv4Cidr("10.0.0.1/16", true));
  auto c = ParseIpv4Cidr("10.0.3.1/16", false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ToString(), "10.0.0.0/16");
}

TEST(Ec2CidrTest, Containment) {
  auto vpc = *ParseIpv4Cidr("10.0.0.0/16");
  EXPECT_TRUE(Contains(vpc, *ParseIpv4Cidr("10.0.1.0/24")));
  EXPECT_TRUE(Contains(vpc, vpc));
  EXPECT_TRUE(Contains(vpc, *ParseIpv4Cidr("10.0.255.240/28")));
  EXPECT_FALSE(Contains(vpc, *ParseIpv4Cidr("10.1.0.0/24")));
  EXPECT_FALSE(Contains(vpc, *ParseIpv4Cidr("10.0.0.0/15")));
  EXPECT_FALSE(Contains(*ParseIpv4Cidr("10.0.1.0/24"), vpc));
}

TEST(Ec2CidrTest, Overlap) {
  auto a = *ParseIpv4Cidr("10.0.0.0/24");
  EXPECT_TRUE(Overlaps(a, *ParseIpv4Cidr("10.0.0.128/25")));
  EXPECT_TRUE(Overlaps(*ParseIpv4Cidr("10.0.0.0/23"), a));
  EXPECT_FALSE(Overlaps(a, *ParseIpv4Cidr("10.0.1.0/24")));
  EXPECT_FALSE(Overlaps(*ParseIpv4Cidr("10.0.0.0/25"), *ParseIpv4Cidr("10.0.0.128/25")));
}

TEST(Ec2CidrTest, Ipv6) {
  EXPECT_TRUE(IsIpv6Cidr("2001:db8::/56"));
  EXPECT_TRUE(IsIpv6Cidr("::/0"));
  EXPECT_FALSE(IsIpv6Cidr("2001:db8::"));
  EXPECT_FALSE(IsIpv6Cidr("2001:db8::/129"));
  EXPECT_FALSE(IsIpv6Cidr("10.0.0.0/8"));
}

TEST(Ec2RegionsTest, ZoneIds) {
  EXPECT_EQ(RegionShortCode("us-east-1"), "use1");
  EXPECT_EQ(RegionShortCode("ap-southeast-2"), "apse2");
  EXPECT_EQ(RegionShortCode("eu-central-1"), "euc1");
  auto zones = ZonesOf("eu-west-1");
  ASSERT_EQ(zones.size(), 3u);
  EXPECT_EQ(zones[0].name, "eu-west-1a");
  EXPECT_EQ(zones[2].name, "eu-west-1c");
  EXPECT_EQ(zones[1].id, "euw1-az2");
  bool has_us_east_1 = false;
  for (const auto& r : CommercialRegions()) has_us_east_1 |= r.name == "us-east-1";
  EXPECT_TRUE(has_us_east_1);
}

}  // namespace
}  // namespace fargo::services::ec2
