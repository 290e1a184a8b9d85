// SSM Parameter Store through its JSON 1.1 wire: parameters, versions,
// selectors, labels, paths, filters, tags and the AWS public parameters, with
// AWS's limits and errors.
#include "services/ssm/ssm_service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class Ssm : public WireFixture<SsmService> {
 protected:
  // A successful call's output.
  json::object Ok(const std::string& op, const std::string& wire) {
    auto r = Call(op, wire);
    EXPECT_EQ(r.status, 200) << op << " " << r.body;
    auto v = json::parse(r.body.empty() ? "{}" : r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  // An error call: its status and code.
  void Err(const std::string& op, const std::string& wire, int status, const std::string& code,
           const std::string& message_part = "") {
    auto r = Call(op, wire);
    EXPECT_EQ(r.status, status) << op << " " << wire << " " << r.body;
    auto v = json::parse(r.body);
    EXPECT_EQ(GetString(v.as_object(), "__type"), code) << r.body;
    if (!message_part.empty())
      EXPECT_NE(GetString(v.as_object(), "message").find(message_part), std::string::npos) << r.body;
  }
  json::object Get(const std::string& name, bool decrypt = false) {
    return Ok("GetParameter", "{\"Name\":\"" + name + "\",\"WithDecryption\":" + (decrypt ? "true" : "false") + "}")
        .at("Parameter")
        .as_object();
  }
  void Put(const std::string& name, const std::string& value, const std::string& extra = "") {
    Ok("PutParameter", "{\"Name\":\"" + name + "\",\"Value\":\"" + value + "\",\"Type\":\"String\"" + extra + "}");
  }
  static std::vector<std::string> Names(const json::object& out) {
    std::vector<std::string> names;
    for (const auto& p : out.at("Parameters").as_array()) names.push_back(GetString(p.as_object(), "Name"));
    return names;
  }
};

TEST_F(Ssm, PutThenGetShowsWhatAwsShows) {
  auto put = Ok("PutParameter", R"({"Name":"/app/db/host","Value":"db.local","Type":"String"})");
  EXPECT_EQ(GetInt(put, "Version"), 1);
  EXPECT_EQ(GetString(put, "Tier"), "Standard");
  auto p = Get("/app/db/host");
  EXPECT_EQ(GetString(p, "Name"), "/app/db/host");
  EXPECT_EQ(GetString(p, "Value"), "db.local");
  EXPECT_EQ(GetString(p, "Type"), "String");
  EXPECT_EQ(GetInt(p, "Version"), 1);
  EXPECT_EQ(GetString(p, "ARN"), "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host");
  EXPECT_EQ(GetString(p, "DataType"), "text");
  EXPECT_EQ(p.at("LastModifiedDate").to_number<double>(), 1700000000.0);
  // A name without a leading slash gets one in its ARN.
  Put("plain", "v");
  EXPECT_EQ(GetString(Get("plain"), "ARN"), "arn:aws:ssm:us-east-1:000000000000:parameter/plain");
}

TEST_F(Ssm, MissingParameterIsParameterNotFound) {
  Err("GetParameter", R"({"Name":"/nope"})", 400, "ParameterNotFound");
  Err("DeleteParameter", R"({"Name":"/nope"})", 400, "ParameterNotFound");
  Err("GetParameterHistory", R"({"Name":"/nope"})", 400, "ParameterNotFound");
}

TEST_F(Ssm, OverwriteMakesVersionsAndRefusesTagsTogether) {
  Put("/a", "1");
  Err("PutParameter", R"({"Name":"/a","Value":"2","Type":"String"})", 400, "ParameterAlreadyExists");
  Err("PutParameter", R"({"Name":"/a","Value":"2","Overwrite":true,"Tags":[{"Key":"k","Value":"v"}]})", 400,
      "ValidationException", "tags and overwrite can't be used together");
  auto put = Ok("PutParameter", R"({"Name":"/a","Value":"2","Overwrite":true})");
  EXPECT_EQ(GetInt(put, "Version"), 2);
  EXPECT_EQ(GetString(Get("/a"), "Value"), "2");
  EXPECT_EQ(GetString(Get("/a"), "Type"), "String");  // kept from version 1
  auto h = Ok("GetParameterHistory", R"({"Name":"/a"})");
  ASSERT_EQ(h.at("Parameters").as_array().size(), 2u);
  EXPECT_EQ(GetString(h.at("Parameters").as_array()[0].as_object(), "Value"), "1");
  Err("PutParameter", R"({"Name":"/new","Value":"x"})", 400, "ValidationException", "type is required");
}

TEST_F(Ssm, SelectorsPickVersionsAndLabels) {
  Put("/s", "one");
  Ok("PutParameter", R"({"Name":"/s","Value":"two","Overwrite":true})");
  auto v1 = Get("/s:1");
  EXPECT_EQ(GetString(v1, "Value"), "one");
  EXPECT_EQ(GetString(v1, "Selector"), ":1");
  EXPECT_EQ(GetString(v1, "Name"), "/s");
  Err("GetParameter", R"({"Name":"/s:7"})", 400, "ParameterVersionNotFound");
  auto l = Ok("LabelParameterVersion", R"({"Name":"/s","ParameterVersion":1,"Labels":["prod","1bad","awsx"]})");
  EXPECT_EQ(GetInt(l, "ParameterVersion"), 1);
  EXPECT_EQ(json::serialize(l.at("InvalidLabels")), R"(["1bad","awsx"])");
  EXPECT_EQ(GetString(Get("/s:prod"), "Value"), "one");
  // A label names one version: labelling version 2 moves it.
  Ok("LabelParameterVersion", R"({"Name":"/s","Labels":["prod"]})");
  EXPECT_EQ(GetString(Get("/s:prod"), "Value"), "two");
  auto h = Ok("GetParameterHistory", R"({"Name":"/s"})").at("Parameters").as_array();
  EXPECT_TRUE(h[0].as_object().at("Labels").as_array().empty());
  EXPECT_EQ(json::serialize(h[1].as_object().at("Labels")), R"(["prod"])");
  auto u = Ok("UnlabelParameterVersion", R"({"Name":"/s","ParameterVersion":2,"Labels":["prod","other"]})");
  EXPECT_EQ(json::serialize(u.at("RemovedLabels")), R"(["prod"])");
  EXPECT_EQ(json::serialize(u.at("InvalidLabels")), R"(["other"])");
  Err("GetParameter", R"({"Name":"/s:prod"})", 400, "ParameterVersionNotFound");
  Err("LabelParameterVersion", R"({"Name":"/s","ParameterVersion":9,"Labels":["x"]})", 400,
      "ParameterVersionNotFound");
}

TEST_F(Ssm, TenLabelsPerVersion) {
  Put("/l", "v");
  Ok("LabelParameterVersion", R"({"Name":"/l","Labels":["a","b","c","d","e","f","g","h","i","j"]})");
  Err("LabelParameterVersion", R"({"Name":"/l","Labels":["k"]})", 400, "ParameterVersionLabelLimitExceeded");
  Ok("LabelParameterVersion", R"({"Name":"/l","Labels":["a"]})");  // already there: no new label
}

TEST_F(Ssm, HundredVersionsThenTheOldestGoesUnlessLabelled) {
  Put("/v", "0");
  for (int i = 1; i < 100; ++i) Ok("PutParameter", R"({"Name":"/v","Value":"x","Overwrite":true})");
  auto put = Ok("PutParameter", R"({"Name":"/v","Value":"101","Overwrite":true})");
  EXPECT_EQ(GetInt(put, "Version"), 101);
  Err("GetParameter", R"({"Name":"/v:1"})", 400, "ParameterVersionNotFound");
  auto h = Ok("GetParameterHistory", R"({"Name":"/v","MaxResults":50})");
  EXPECT_EQ(GetInt(h.at("Parameters").as_array()[0].as_object(), "Version"), 2);
  EXPECT_FALSE(GetString(h, "NextToken").empty());
  Ok("LabelParameterVersion", R"({"Name":"/v","ParameterVersion":2,"Labels":["keep"]})");
  Err("PutParameter", R"({"Name":"/v","Value":"x","Overwrite":true})", 400, "ParameterMaxVersionLimitExceeded",
      "Version 2, the oldest version, can't be deleted");
}

TEST_F(Ssm, NamesFollowAwsRules) {
  Err("PutParameter", R"({"Name":"awsfoo","Value":"v","Type":"String"})", 400, "ValidationException",
      "can't be prefixed with \"aws\" or \"ssm\"");
  Err("PutParameter", R"({"Name":"/SSM/x","Value":"v","Type":"String"})", 400, "ValidationException");
  Err("PutParameter", R"({"Name":"a/b","Value":"v","Type":"String"})", 400, "ValidationException",
      "fully qualified");
  Err("PutParameter", R"({"Name":"/a b","Value":"v","Type":"String"})", 400, "ValidationException");
  Err("PutParameter", R"({"Name":"/aws/service/mine","Value":"v","Type":"String"})", 400, "AccessDeniedException",
      "reserved parameter name");
  std::string deep;
  for (int i = 0; i < 15; ++i) deep += "/l" + std::to_string(i);
  Put(deep, "ok");
  Err("PutParameter", R"({"Name":")" + deep + R"(/x","Value":"v","Type":"String"})", 400,
      "HierarchyLevelLimitExceededException");
  Err("PutParameter", R"({"Name":"/)" + std::string(1000, 'n') + R"(","Value":"v","Type":"String"})", 400,
      "ValidationException");
}

TEST_F(Ssm, SecureStringsShowKeyIdAndDecryptOnlyWhenAsked) {
  Ok("PutParameter", R"({"Name":"/sec","Value":"hunter2","Type":"SecureString"})");
  EXPECT_NE(GetString(Get("/sec"), "Value"), "hunter2");
  EXPECT_EQ(GetString(Get("/sec", true), "Value"), "hunter2");
  auto d = Ok("DescribeParameters", R"({"ParameterFilters":[{"Key":"Name","Values":["/sec"]}]})");
  EXPECT_EQ(GetString(d.at("Parameters").as_array()[0].as_object(), "KeyId"), "alias/aws/ssm");
  Ok("PutParameter", R"({"Name":"/sec2","Value":"x","Type":"SecureString","KeyId":"alias/mine"})");
  d = Ok("DescribeParameters", R"({"ParameterFilters":[{"Key":"KeyId","Values":["alias/mine"]}]})");
  EXPECT_EQ(Names(d), std::vector<std::string>{"/sec2"});
  Err("PutParameter", R"({"Name":"/k","Value":"x","Type":"String","KeyId":"alias/mine"})", 400,
      "ValidationException");
  Err("PutParameter", R"({"Name":"/k","Value":"x","Type":"SecureString","KeyId":"not a key"})", 400, "InvalidKeyId");
  auto many = Ok("GetParameters", R"({"Names":["/sec","/nope","/sec:9"],"WithDecryption":true})");
  EXPECT_EQ(GetString(many.at("Parameters").as_array()[0].as_object(), "Value"), "hunter2");
  EXPECT_EQ(json::serialize(many.at("InvalidParameters")), R"(["/nope","/sec:9"])");
}

TEST_F(Ssm, TiersPatternsAndDataTypes) {
  std::string big(5000, 'x');
  Err("PutParameter", R"({"Name":"/big","Value":")" + big + R"(","Type":"String"})", 400, "ValidationException",
      "maximum parameter value of 4096");
  auto adv = Ok("PutParameter", R"({"Name":"/big","Value":")" + big + R"(","Type":"String","Tier":"Advanced"})");
  EXPECT_EQ(GetString(adv, "Tier"), "Advanced");
  Err("PutParameter", R"({"Name":"/big","Value":"x","Overwrite":true,"Tier":"Standard"})", 400,
      "ValidationException", "can't downgrade");
  auto it = Ok("PutParameter", R"({"Name":"/it","Value":")" + big + R"(","Type":"String","Tier":"Intelligent-Tiering"})");
  EXPECT_EQ(GetString(it, "Tier"), "Advanced");
  Err("PutParameter", R"({"Name":"/p","Value":"abc","Type":"String","AllowedPattern":"^\\d+$"})", 400,
      "ParameterPatternMismatchException");
  Put("/p", "123", R"(,"AllowedPattern":"^\\d+$")");
  Err("PutParameter", R"({"Name":"/p","Value":"12a","Overwrite":true})", 400, "ParameterPatternMismatchException");
  Err("PutParameter", R"({"Name":"/r","Value":"1","Type":"String","AllowedPattern":"("})", 400,
      "InvalidAllowedPatternException");
  Err("PutParameter", R"({"Name":"/ami","Value":"not-an-ami","Type":"String","DataType":"aws:ec2:image"})", 400,
      "ValidationException");
  Put("/ami", "ami-0123456789abcdef0", R"(,"DataType":"aws:ec2:image")");
  EXPECT_EQ(GetString(Get("/ami"), "DataType"), "aws:ec2:image");
  Err("PutParameter", R"({"Name":"/dt","Value":"x","Type":"String","DataType":"Text"})", 400, "ValidationException",
      "data type is not supported");
}

TEST_F(Ssm, PathsAreOneLevelUnlessRecursiveAndPage) {
  Put("/app/a", "1");
  Put("/app/b", "2");
  Put("/app/sub/c", "3");
  Ok("PutParameter", R"({"Name":"/app/sub/d","Value":"4","Type":"SecureString"})");
  Put("/apple", "no");
  EXPECT_EQ(Names(Ok("GetParametersByPath", R"({"Path":"/app"})")), (std::vector<std::string>{"/app/a", "/app/b"}));
  auto all = Ok("GetParametersByPath", R"({"Path":"/app/","Recursive":true,"WithDecryption":true})");
  EXPECT_EQ(Names(all), (std::vector<std::string>{"/app/a", "/app/b", "/app/sub/c", "/app/sub/d"}));
  EXPECT_EQ(GetString(all.at("Parameters").as_array()[3].as_object(), "Value"), "4");
  auto page1 = Ok("GetParametersByPath", R"({"Path":"/app","Recursive":true,"MaxResults":3})");
  EXPECT_EQ(Names(page1).size(), 3u);
  auto page2 = Ok("GetParametersByPath",
                  R"({"Path":"/app","Recursive":true,"MaxResults":3,"NextToken":")" + GetString(page1, "NextToken") + "\"}");
  EXPECT_EQ(Names(page2), std::vector<std::string>{"/app/sub/d"});
  EXPECT_FALSE(page2.contains("NextToken"));
  auto typed = Ok("GetParametersByPath",
                  R"({"Path":"/app","Recursive":true,"ParameterFilters":[{"Key":"Type","Values":["SecureString"]}]})");
  EXPECT_EQ(Names(typed), std::vector<std::string>{"/app/sub/d"});
  Err("GetParametersByPath", R"({"Path":"/app","ParameterFilters":[{"Key":"Name","Values":["x"]}]})", 400,
      "InvalidFilterKey");
  Err("GetParametersByPath", R"({"Path":"/app","NextToken":"zz"})", 400, "InvalidNextToken");
  Err("GetParametersByPath", R"({"Path":"app"})", 400, "ValidationException");
  Ok("LabelParameterVersion", R"({"Name":"/app/a","Labels":["blue"]})");
  Ok("PutParameter", R"({"Name":"/app/a","Value":"1b","Overwrite":true})");
  auto labelled = Ok("GetParametersByPath",
                     R"({"Path":"/app","ParameterFilters":[{"Key":"Label","Values":["blue"]}]})");
  ASSERT_EQ(Names(labelled), std::vector<std::string>{"/app/a"});
  EXPECT_EQ(GetString(labelled.at("Parameters").as_array()[0].as_object(), "Value"), "1");
}

TEST_F(Ssm, DescribeFiltersAndPages) {
  Put("/app/a", "1", R"(,"Description":"first","Tags":[{"Key":"team","Value":"red"}])");
  Put("/app/sub/b", "2");
  Ok("PutParameter", R"({"Name":"/other","Value":"3","Type":"StringList"})");
  auto one = Ok("DescribeParameters", R"({"ParameterFilters":[{"Key":"Name","Option":"Equals","Values":["/app/a"]}]})");
  ASSERT_EQ(Names(one), std::vector<std::string>{"/app/a"});
  const auto& m = one.at("Parameters").as_array()[0].as_object();
  EXPECT_EQ(GetString(m, "Description"), "first");
  EXPECT_EQ(GetString(m, "Tier"), "Standard");
  EXPECT_EQ(GetString(m, "DataType"), "text");
  EXPECT_EQ(GetString(m, "LastModifiedUser"), "arn:aws:iam::000000000000:root");
  EXPECT_FALSE(m.contains("KeyId"));
  EXPECT_EQ(Names(Ok("DescribeParameters", R"({"ParameterFilters":[{"Key":"Path","Values":["/app"]}]})")),
            std::vector<std::string>{"/app/a"});
  EXPECT_EQ(Names(Ok("DescribeParameters",
                     R"({"ParameterFilters":[{"Key":"Path","Option":"Recursive","Values":["/app"]}]})")),
            (std::vector<std::string>{"/app/a", "/app/sub/b"}));
  EXPECT_EQ(Names(Ok("DescribeParameters", R"({"ParameterFilters":[{"Key":"tag:team","Values":["red"]}]})")),
            std::vector<std::string>{"/app/a"});
  EXPECT_EQ(Names(Ok("DescribeParameters", R"({"Filters":[{"Key":"Type","Values":["StringList"]}]})")),
            std::vector<std::string>{"/other"});
  EXPECT_EQ(Names(Ok("DescribeParameters",
                     R"({"ParameterFilters":[{"Key":"Name","Option":"BeginsWith","Values":["/app"]}]})")),
            (std::vector<std::string>{"/app/a", "/app/sub/b"}));
  Err("DescribeParameters", R"({"ParameterFilters":[{"Key":"Label","Values":["x"]}]})", 400, "InvalidFilterKey");
  Err("DescribeParameters", R"({"ParameterFilters":[{"Key":"Path","Option":"Equals","Values":["/a"]}]})", 400,
      "InvalidFilterOption");
  Err("DescribeParameters", R"({"ParameterFilters":[{"Key":"Type","Values":["Bad"]}]})", 400, "InvalidFilterValue");
  Err("DescribeParameters", R"({"Filters":[{"Key":"Type","Values":["String"]}],"ParameterFilters":[{"Key":"Type","Values":["String"]}]})",
      400, "ValidationException");
  auto page = Ok("DescribeParameters", R"({"MaxResults":2})");
  EXPECT_EQ(Names(page).size(), 2u);
  EXPECT_EQ(Names(Ok("DescribeParameters", R"({"MaxResults":2,"NextToken":")" + GetString(page, "NextToken") + "\"}")),
            std::vector<std::string>{"/other"});
}

TEST_F(Ssm, TagsAndDeletes) {
  Put("/t", "v", R"(,"Tags":[{"Key":"a","Value":"1"}])");
  Ok("AddTagsToResource", R"({"ResourceType":"Parameter","ResourceId":"/t","Tags":[{"Key":"b","Value":"2"},{"Key":"a","Value":"3"}]})");
  auto tags = Ok("ListTagsForResource", R"({"ResourceType":"Parameter","ResourceId":"/t"})");
  EXPECT_EQ(json::serialize(tags.at("TagList")), R"([{"Key":"a","Value":"3"},{"Key":"b","Value":"2"}])");
  Ok("RemoveTagsFromResource", R"({"ResourceType":"Parameter","ResourceId":"/t","TagKeys":["a"]})");
  tags = Ok("ListTagsForResource",
            R"({"ResourceType":"Parameter","ResourceId":"arn:aws:ssm:us-east-1:000000000000:parameter/t"})");
  EXPECT_EQ(json::serialize(tags.at("TagList")), R"([{"Key":"b","Value":"2"}])");
  Err("ListTagsForResource", R"({"ResourceType":"Parameter","ResourceId":"/none"})", 400, "InvalidResourceId");
  Err("ListTagsForResource", R"({"ResourceType":"Bogus","ResourceId":"/t"})", 400, "ValidationException");
  Put("/u", "v");
  auto del = Ok("DeleteParameters", R"({"Names":["/t","/none"]})");
  EXPECT_EQ(json::serialize(del.at("DeletedParameters")), R"(["/t"])");
  EXPECT_EQ(json::serialize(del.at("InvalidParameters")), R"(["/none"])");
  Ok("DeleteParameter", R"({"Name":"/u"})");
  EXPECT_TRUE(Ok("DescribeParameters", "{}").at("Parameters").as_array().empty());
}

TEST_F(Ssm, ParametersSurviveARestart) {
  Ok("PutParameter", R"({"Name":"/keep","Value":"s3cr3t","Type":"SecureString","Tags":[{"Key":"k","Value":"v"}]})");
  Ok("LabelParameterVersion", R"({"Name":"/keep","Labels":["stable"]})");
  Restart();
  EXPECT_EQ(GetString(Get("/keep:stable", true), "Value"), "s3cr3t");
  auto tags = Ok("ListTagsForResource", R"({"ResourceType":"Parameter","ResourceId":"/keep"})");
  EXPECT_EQ(json::serialize(tags.at("TagList")), R"([{"Key":"k","Value":"v"}])");
}

TEST_F(Ssm, PublicParametersAreServedReadOnly) {
  auto fb = Get("/aws/service/aws-for-fluent-bit/stable");
  EXPECT_EQ(GetString(fb, "Value"), "906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit:2.32.4");
  EXPECT_EQ(GetString(fb, "ARN"), "arn:aws:ssm:us-east-1::parameter/aws/service/aws-for-fluent-bit/stable");
  EXPECT_EQ(GetString(fb, "Type"), "String");
  auto rec = Get("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended");
  auto doc = json::parse(GetString(rec, "Value")).as_object();
  std::string ami = GetString(Get("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"), "Value");
  EXPECT_EQ(GetString(doc, "image_id"), ami);
  EXPECT_EQ(ami.rfind("ami-", 0), 0u);
  EXPECT_EQ(GetString(Get("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/os"), "Value"),
            "Amazon Linux 2023");
  for (const char* name : {"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
                           "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2",
                           "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id",
                           "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
                           "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
                           "/aws/service/aws-for-fluent-bit/latest"})
    EXPECT_FALSE(GetString(Get(name), "Value").empty()) << name;
  auto by_path = Ok("GetParametersByPath", R"({"Path":"/aws/service/ecs/optimized-ami/amazon-linux-2/recommended"})");
  auto names = Names(by_path);
  EXPECT_NE(std::find(names.begin(), names.end(), "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"),
            names.end());
  auto fluent = Ok("GetParametersByPath", R"({"Path":"/aws/service/aws-for-fluent-bit","MaxResults":10})");
  EXPECT_GE(Names(fluent).size(), 4u);
  auto many = Ok("GetParameters", R"({"Names":["/aws/service/aws-for-fluent-bit/latest","/aws/service/none"]})");
  EXPECT_EQ(json::serialize(many.at("InvalidParameters")), R"(["/aws/service/none"])");
  // Public parameters are not the account's: DescribeParameters does not list them.
  EXPECT_TRUE(Ok("DescribeParameters", "{}").at("Parameters").as_array().empty());
}

TEST(PublicParameters, AmiIdsAreFixedPerNameAndRegion) {
  const auto& pub = ssm::PublicParameters::Embedded();
  const char* name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
  auto east = pub.Find("us-east-1", name), west = pub.Find("eu-west-1", name);
  ASSERT_TRUE(east && west);
  EXPECT_NE(east->value, west->value);
  EXPECT_EQ(east->value, pub.images().at("al2023-x86_64").ids.at("us-east-1"));
  EXPECT_EQ(pub.Find("us-east-1", name)->value, east->value);
  // The 6.1 kernel name and the default name are one image.
  EXPECT_EQ(pub.Find("us-east-1", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64")->value,
            east->value);
  EXPECT_FALSE(pub.Find("xx-nowhere-1", name));
  EXPECT_EQ(pub.Find("af-south-1", "/aws/service/aws-for-fluent-bit/stable")->value,
            "928143927712.dkr.ecr.af-south-1.amazonaws.com/aws-for-fluent-bit:2.32.4");
}

TEST(PublicParameters, MalformedListsAreRefused) {
  EXPECT_FALSE(ssm::PublicParameters::Parse("[]").ok());
  EXPECT_FALSE(ssm::PublicParameters::Parse(R"({"parameters":[{"name":"/mine","value":"x","modified":"2024-01-01T00:00:00Z"}]})").ok());
  EXPECT_FALSE(ssm::PublicParameters::Parse(R"({"parameters":[{"name":"/aws/x","value":"{image:none}","modified":"2024-01-01T00:00:00Z"}]})").ok());
  EXPECT_TRUE(ssm::PublicParameters::Parse(R"({"parameters":[{"name":"/aws/x","value":"{region}","modified":"2024-01-01T00:00:00Z"}]})").ok());
}

}  // namespace
}  // namespace fargo::services
