#include <gtest/gtest.h>

#include "services/ec2/filters.h"
#include "services/ec2/sg_rules.h"

namespace fargo::services::ec2 {
namespace {

namespace json = boost::json;

json::object Filters(std::initializer_list<std::pair<std::string, std::vector<std::string>>> fs) {
  json::array list;
  for (const auto& [name, values] : fs) {
    json::array vs;
    for (const auto& v : values) vs.push_back(json::value(v));
    list.push_back(json::object{{"Name", name}, {"Values", vs}});
  }
  return json::object{{"Filters", list}};
}

FilterFields Vpc() {
  FilterFields f{{"vpc-id", "vpc-1"}, {"cidr", "10.0.0.0/16"}, {"is-default", "false"}};
  json::value tags = json::array{json::object{{"Key", "Name"}, {"Value", "web-prod"}},
                                 json::object{{"Key", "team"}, {"Value", "core"}}};
  AddTagFields(&tags, f);
  return f;
}

std::vector<Filter> Parse(const json::object& in) {
  auto r = ParseFilters(in, {"vpc-id", "cidr", "is-default"});
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : std::vector<Filter>{};
}

TEST(Ec2FiltersTest, UnknownNameIsInvalid) {
  auto r = ParseFilters(Filters({{"colour", {"red"}}}), {"vpc-id"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue");
  EXPECT_EQ(r.error().message, "The filter 'colour' is invalid");
  EXPECT_TRUE(ParseFilters(Filters({{"tag:anything", {"x"}}, {"tag-key", {"y"}}}), {}).ok());
  EXPECT_TRUE(ParseFilters(json::object{}, {}).ok());
}

TEST(Ec2FiltersTest, ValuesOrFiltersAnd) {
  EXPECT_TRUE(Matches(Parse(Filters({{"vpc-id", {"vpc-9", "vpc-1"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"vpc-id", {"vpc-9"}}})), Vpc()));
  EXPECT_TRUE(Matches(Parse(Filters({{"vpc-id", {"vpc-1"}}, {"cidr", {"10.0.0.0/16"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"vpc-id", {"vpc-1"}}, {"cidr", {"10.1.0.0/16"}}})), Vpc()));
  EXPECT_TRUE(Matches({}, Vpc()));
}

TEST(Ec2FiltersTest, TagWildcards) {
  EXPECT_TRUE(Matches(Parse(Filters({{"tag:Name", {"web-*"}}})), Vpc()));
  EXPECT_TRUE(Matches(Parse(Filters({{"tag:Name", {"web-pro?"}}})), Vpc()));
  EXPECT_TRUE(Matches(Parse(Filters({{"tag:Name", {"*prod"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"tag:Name", {"web-?"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"tag:Name", {"db-*"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"tag:Missing", {"*"}}})), Vpc()));
  EXPECT_TRUE(Matches(Parse(Filters({{"tag-key", {"team"}}})), Vpc()));
  EXPECT_TRUE(Matches(Parse(Filters({{"tag-value", {"co*"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"tag-key", {"owner"}}})), Vpc()));
}

TEST(Ec2FiltersTest, BooleansIgnoreCase) {
  EXPECT_TRUE(Matches(Parse(Filters({{"is-default", {"FALSE"}}})), Vpc()));
  EXPECT_FALSE(Matches(Parse(Filters({{"is-default", {"true"}}})), Vpc()));
}

TEST(Ec2SgRulesTest, ProtocolNormalization) {
  EXPECT_EQ(NormalizeProtocol("TCP"), "tcp");
  EXPECT_EQ(NormalizeProtocol("6"), "tcp");
  EXPECT_EQ(NormalizeProtocol("all"), "-1");
  EXPECT_EQ(NormalizeProtocol("-1"), "-1");
  EXPECT_EQ(NormalizeProtocol("50"), "50");
  EXPECT_EQ(NormalizeProtocol("bogus"), "");
  EXPECT_EQ(NormalizeProtocol("300"), "");
}

TEST(Ec2SgRulesTest, ExpandAndGroup) {
  json::array perms{json::object{
      {"IpProtocol", "tcp"},
      {"FromPort", 443},
      {"ToPort", 443},
      {"IpRanges", json::array{json::object{{"CidrIp", "10.0.0.0/8"}, {"Description", "inside"}},
                               json::object{{"CidrIp", "192.168.0.0/16"}}}},
      {"UserIdGroupPairs", json::array{json::object{{"GroupId", "sg-2"}}}}}};
  GroupResolver resolve = [](const json::object& p) -> Result<std::string> {
    return std::string(p.at("GroupId").as_string());
  };
  auto rules = ExpandPermissions(perms, false, "123", resolve);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[0].at("CidrIpv4").as_string(), "10.0.0.0/8");
  EXPECT_EQ((*rules)[2].at("ReferencedGroupInfo").at("UserId").as_string(), "123");
  EXPECT_TRUE(SameRule((*rules)[1], (*rules)[1]));
  EXPECT_FALSE(SameRule((*rules)[0], (*rules)[1]));

  json::array stored;
  for (auto& r : *rules) stored.push_back(r);
  json::array view = ToIpPermissions(stored, false);
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0].at("IpRanges").as_array().size(), 2u);
  EXPECT_EQ(view[0].at("IpRanges").at(0).at("Description").as_string(), "inside");
  EXPECT_EQ(view[0].at("UserIdGroupPairs").as_array().size(), 1u);
  EXPECT_EQ(view[0].at("FromPort").as_int64(), 443);
  EXPECT_TRUE(ToIpPermissions(stored, true).empty());
  EXPECT_EQ(DescribeRule((*rules)[0]), "peer: 10.0.0.0/8, TCP, from port: 443, to port: 443, ALLOW");
}

TEST(Ec2SgRulesTest, TcpNeedsPorts) {
  json::array perms{json::object{{"IpProtocol", "tcp"},
                                 {"IpRanges", json::array{json::object{{"CidrIp", "0.0.0.0/0"}}}}}};
  auto r = ExpandPermissions(perms, true, "1", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue");
}

TEST(Ec2SgRulesTest, AllProtocolsHaveNoPorts) {
  json::array perms{json::object{{"IpProtocol", "-1"},
                                 {"IpRanges", json::array{json::object{{"CidrIp", "0.0.0.0/0"}}}}}};
  auto r = ExpandPermissions(perms, true, "1", nullptr);
  ASSERT_TRUE(r.ok());
  json::array stored{(*r)[0]};
  json::array view = ToIpPermissions(stored, true);
  ASSERT_EQ(view.size(), 1u);
  EXPECT_FALSE(view[0].as_object().contains("FromPort"));
}

}  // namespace
}  // namespace fargo::services::ec2
