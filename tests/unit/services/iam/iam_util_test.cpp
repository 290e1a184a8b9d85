#include "services/iam/iam_util.h"

#include <gtest/gtest.h>

#include "services/iam/aws_managed_policies.h"

namespace fargo::services::iam {
namespace {

TEST(IamUtilTest, NamesAllowWordCharactersAndPunctuation) {
  EXPECT_TRUE(ValidateName("my-role_1+=,.@", "roleName").ok());
  auto bad = ValidateName("bad name", "roleName");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "ValidationError");
  EXPECT_EQ(bad.error().message,
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  EXPECT_FALSE(ValidateName("", "roleName").ok());
  EXPECT_FALSE(ValidateName("a/b", "roleName").ok());
}

TEST(IamUtilTest, PathsBeginAndEndWithSlash) {
  EXPECT_TRUE(ValidatePath("/", "path").ok());
  EXPECT_TRUE(ValidatePath("/app/", "path").ok());
  EXPECT_TRUE(ValidatePath("/a/b-c/", "path").ok());
  EXPECT_FALSE(ValidatePath("app/", "path").ok());
  EXPECT_FALSE(ValidatePath("/app", "path").ok());
  EXPECT_FALSE(ValidatePath("//", "path").ok());
  EXPECT_FALSE(ValidatePath("/a b/", "path").ok());
  EXPECT_NE(ValidatePath("x", "path").error().message.find("at 'path'"), std::string::npos);
}

TEST(IamUtilTest, PolicyPathsAreSegmentsOfNameCharacters) {
  EXPECT_TRUE(ValidatePolicyPath("/", "path").ok());
  EXPECT_TRUE(ValidatePolicyPath("/service-role/", "path").ok());
  EXPECT_TRUE(ValidatePolicyPath("/a/b/", "path").ok());
  EXPECT_FALSE(ValidatePolicyPath("/a//b/", "path").ok());
  EXPECT_FALSE(ValidatePolicyPath("/a*b/", "path").ok());
  EXPECT_FALSE(ValidatePolicyPath("a/", "path").ok());
}

TEST(IamUtilTest, PathPrefixes) {
  EXPECT_TRUE(ValidatePathPrefix("/", "pathPrefix").ok());
  EXPECT_TRUE(ValidatePathPrefix("/app", "pathPrefix").ok());
  EXPECT_FALSE(ValidatePathPrefix("app", "pathPrefix").ok());
}

TEST(IamUtilTest, PolicyDocumentsMustBeJsonObjects) {
  EXPECT_TRUE(ValidatePolicyDocument(R"({"Version":"2012-10-17","Statement":[]})").ok());
  auto bad = ValidatePolicyDocument("{not json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "MalformedPolicyDocument");
  EXPECT_EQ(bad.error().status, 400);
  EXPECT_FALSE(ValidatePolicyDocument("[1]").ok());
}

TEST(IamUtilTest, DocumentsAreUrlEncodedWithoutPlus) {
  EXPECT_EQ(EncodeDocument(R"({"a":"b c+/"})"), "%7B%22a%22%3A%22b%20c%2B%2F%22%7D");
}

TEST(IamUtilTest, ArnsRoundTrip) {
  std::string arn = MakeArn("123456789012", "role", "/app/team/", "web");
  EXPECT_EQ(arn, "arn:aws:iam::123456789012:role/app/team/web");
  auto parts = ParseArn(arn, "role");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->account, "123456789012");
  EXPECT_EQ(parts->path, "/app/team/");
  EXPECT_EQ(parts->name, "web");

  auto aws = ParseArn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", "policy");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->account, "aws");
  EXPECT_EQ(aws->path, "/service-role/");
  EXPECT_EQ(aws->name, "AmazonECSTaskExecutionRolePolicy");

  EXPECT_FALSE(ParseArn("arn:aws:iam::1:role/x", "policy"));
  EXPECT_FALSE(ParseArn("arn:aws:iam::1:policy/", "policy"));
  EXPECT_FALSE(ParseArn("not-an-arn", "policy"));
  EXPECT_FALSE(ParseArn("arn:aws:iam::1:policyx", "policy"));
}

TEST(IamUtilTest, TagsMergeAndRemoveCaseInsensitively) {
  json::array tags{json::object{{"Key", "env"}, {"Value", "dev"}}};
  json::array added{json::object{{"Key", "Env"}, {"Value", "prod"}}, json::object{{"Key", "team"}, {"Value", "a"}}};
  json::array merged = MergeTags(tags, added);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].as_object().at("Value"), "prod");
  json::array removed = RemoveTags(merged, json::array{"ENV"});
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].as_object().at("Key"), "team");
  EXPECT_FALSE(CheckDuplicateTagKeys(json::array{json::object{{"Key", "a"}}, json::object{{"Key", "A"}}}).ok());
}

TEST(IamUtilTest, ApplyTagsLimitsTheirNumber) {
  json::object doc;
  json::array many;
  for (int i = 0; i < 51; ++i) many.push_back(json::object{{"Key", "k" + std::to_string(i)}, {"Value", ""}});
  auto st = ApplyTags(doc, &many, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "LimitExceeded");
}

TEST(IamUtilTest, PaginationResumesAtTheMarkerKey) {
  std::vector<std::pair<std::string, json::value>> items;
  for (const char* k : {"a", "b", "c", "d", "e"}) items.emplace_back(k, json::string(k));
  Page p1 = Paginate(items, "", 2);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.marker, "c");
  // An item removed between pages does not shift the next page.
  items.erase(items.begin());
  Page p2 = Paginate(items, p1.marker, 2);
  ASSERT_EQ(p2.items.size(), 2u);
  EXPECT_EQ(p2.items[0], "c");
  Page p3 = Paginate(items, p2.marker, 2);
  ASSERT_EQ(p3.items.size(), 1u);
  EXPECT_FALSE(p3.truncated);
  EXPECT_TRUE(p3.marker.empty());
}

TEST(IamUtilTest, PageIntoReadsMarkerAndMaxItems) {
  std::vector<std::pair<std::string, json::value>> items{{"a", 1}, {"b", 2}, {"c", 3}};
  json::object out;
  PageInto(out, "Things", items, json::object{{"MaxItems", 1}, {"Marker", "b"}});
  EXPECT_EQ(out.at("Things").as_array().size(), 1u);
  EXPECT_EQ(out.at("Things").as_array()[0], 2);
  EXPECT_EQ(out.at("IsTruncated"), true);
  EXPECT_EQ(out.at("Marker"), "c");
}

TEST(IamUtilTest, AwsManagedPoliciesHaveTheirRealPaths) {
  for (const char* arn : {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                          "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                          "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
                          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                          "arn:aws:iam::aws:policy/AdministratorAccess",
                          "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}) {
    const AwsManagedPolicy* p = FindAwsManagedPolicy(arn);
    ASSERT_NE(p, nullptr) << arn;
    EXPECT_EQ(p->Arn(), arn);
    EXPECT_EQ(p->id.size(), 21u);
    EXPECT_TRUE(ValidatePolicyDocument(p->document).ok()) << arn;
  }
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/NoSuchPolicy"), nullptr);
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy"), nullptr);
  // Ids are stable across runs and distinct.
  EXPECT_NE(FindAwsManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess")->id,
            FindAwsManagedPolicy("arn:aws:iam::aws:policy/ReadOnlyAccess")->id);
}

}  // namespace
}  // namespace fargo::services::iam
