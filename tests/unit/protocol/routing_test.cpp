#include <gtest/gtest.h>

#include "protocol/router.h"
#include "protocol/sigv4.h"

namespace fargo::protocol {
namespace {

HttpRequest Post(std::string body, std::map<std::string, std::string> headers) {
  HttpRequest r;
  r.method = "POST";
  r.path = r.raw_path = "/";
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

const char* kAuth =
    "AWS4-HMAC-SHA256 Credential=AKID/20261125/eu-west-3/%s/aws4_request, SignedHeaders=host, Signature=x";

std::string Auth(const char* svc) {
  char buf[256];
  std::snprintf(buf, sizeof buf, kAuth, svc);
  return buf;
}

TEST(SigV4, ParsesCredentialScope) {
  auto s = ParseAuthorization(Auth("logs"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->access_key, "AKID");
  EXPECT_EQ(s->date, "20261125");
  EXPECT_EQ(s->region, "eu-west-3");
  EXPECT_EQ(s->service, "logs");
  EXPECT_FALSE(ParseAuthorization("Basic abc"));
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 Credential=short"));
}

class RouterTest : public ::testing::Test {
 protected:
  Result<Route> Resolve(const HttpRequest& r) { return router_.Resolve(r, &model_); }
  Router router_{ModelRegistry::Instance(), "us-east-1"};
  const ServiceModel* model_ = nullptr;
};

TEST_F(RouterTest, JsonByTarget) {
  auto r = Resolve(Post("{}", {{"x-amz-target", "Logs_20140328.CreateLogGroup"},
                               {"authorization", Auth("logs")}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model->service(), "logs");
  EXPECT_EQ(r->op->name, "CreateLogGroup");
  EXPECT_EQ(r->region, "eu-west-3");
}

TEST_F(RouterTest, QueryBySigningName) {
  const std::map<std::string, std::string> form{{"content-type", "application/x-www-form-urlencoded"}};
  auto h = form;
  h["authorization"] = Auth("elasticloadbalancing");
  auto r = Resolve(Post("Action=DescribeLoadBalancers&Version=2015-12-01", h));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model->service(), "elbv2");
  // Unsigned: the Version tells the service apart.
  auto r2 = Resolve(Post("Action=GetRole&Version=2010-05-08&RoleName=x", form));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->model->service(), "iam");
  EXPECT_EQ(r2->region, "us-east-1");
}

TEST_F(RouterTest, UnknownOperationsAreClientErrors) {
  auto r = Resolve(Post("{}", {{"x-amz-target", "AmazonEC2ContainerServiceV20141113.Nope"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnknownOperationException");
  EXPECT_EQ(r.error().status, 400);
  ASSERT_NE(model_, nullptr);
  EXPECT_EQ(model_->service(), "ecs");
  auto q = Resolve(Post("Action=Nope&Version=2016-11-15",
                        {{"content-type", "application/x-www-form-urlencoded"}}));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, "InvalidAction");
}

TEST_F(RouterTest, EverythingElseIsS3) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/my-bucket/key";
  auto route = Resolve(r);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->model->service(), "s3");
  EXPECT_EQ(route->op, nullptr);
}

TEST_F(RouterTest, S3SignedFormBodiesStayS3) {
  HttpRequest r = Post("Action=DeleteBucket&Version=2010-05-08",
                       {{"content-type", "application/x-www-form-urlencoded"}, {"authorization", Auth("s3")}});
  r.method = "PUT";
  r.path = r.raw_path = "/bucket/form.txt";
  auto route = Resolve(r);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->model->service(), "s3");
  EXPECT_EQ(route->op, nullptr);
}

// The router learns how clients address each model from the model's own
// metadata: every JSON model by its target prefix, every query model by its
// signing name and by its API version.
TEST_F(RouterTest, EveryModelIsAddressableAsItsMetadataSays) {
  auto& reg = ModelRegistry::Instance();
  int json_models = 0, query_models = 0;
  for (const std::string& name : reg.Services()) {
    const ServiceModel* m = reg.Get(name);
    ASSERT_FALSE(m->operations().empty()) << name;
    const std::string& op = m->operations().begin()->first;
    if (m->protocol() == Protocol::kJson) {
      ++json_models;
      HttpRequest req = Post("{}", {{"x-amz-target", m->target_prefix() + "." + op}});
      auto r = Resolve(req);
      ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
      EXPECT_EQ(r->model, m);
      EXPECT_EQ(router_.ModelOfHead(req), m);
    } else if (m->protocol() == Protocol::kQuery || m->protocol() == Protocol::kEc2) {
      ++query_models;
      const std::map<std::string, std::string> form{{"content-type", "application/x-www-form-urlencoded"}};
      auto by_version = Resolve(Post("Action=" + op + "&Version=" + m->api_version(), form));
      ASSERT_TRUE(by_version.ok()) << name << ": " << by_version.error().message;
      EXPECT_EQ(by_version->model, m);
      auto signed_headers = form;
      signed_headers["authorization"] = Auth(m->signing_name().c_str());
      HttpRequest req = Post("Action=" + op, signed_headers);
      auto by_signer = Resolve(req);
      ASSERT_TRUE(by_signer.ok()) << name << ": " << by_signer.error().message;
      EXPECT_EQ(by_signer->model, m);
      EXPECT_EQ(router_.ModelOfHead(req), m);
    }
  }
  EXPECT_GE(json_models, 3);   // logs, ecs, ssm
  EXPECT_GE(query_models, 4);  // iam, sts, ec2, elbv2
}

TEST_F(RouterTest, HeadOfAnUnsignedFormPostNamesNoService) {
  HttpRequest r = Post("", {{"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(router_.ModelOfHead(r), nullptr);
  r.headers.clear();
  r.method = "PUT";
  ASSERT_NE(router_.ModelOfHead(r), nullptr);
  EXPECT_EQ(router_.ModelOfHead(r)->service(), "s3");
}

TEST(Errors, RestXmlErrorsCarryTheirDetails) {
  AwsError e = AwsError::Make("NoSuchBucket", "The specified bucket does not exist", 404);
  e.details = {{"BucketName", "a<b"}};
  auto r = EncodeError(ModelRegistry::Instance().Get("s3"), e, "rid");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
            "<Message>The specified bucket does not exist</Message><BucketName>a&lt;b</BucketName>"
            "<RequestId>rid</RequestId></Error>");
  auto agent = EncodeTaskEndpointError(AwsError::Make("NotFound", "no task", 404));
  EXPECT_EQ(agent.status, 404);
  EXPECT_EQ(agent.body, "{\"code\":\"NotFound\",\"message\":\"no task\"}");
}

TEST(Errors, ShapedPerProtocol) {
  auto& reg = ModelRegistry::Instance();
  AwsError e = AwsError::Make("NoSuchEntity", "The role with name x cannot be found.", 404);
  auto q = EncodeError(reg.Get("iam"), e, "rid");
  EXPECT_EQ(q.status, 404);
  EXPECT_EQ(q.body,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
            "<Code>NoSuchEntity</Code><Message>The role with name x cannot be found.</Message></Error>"
            "<RequestId>rid</RequestId></ErrorResponse>");
  auto j = EncodeError(reg.Get("logs"), AwsError::Make("ResourceNotFoundException", "gone"), "rid");
  EXPECT_EQ(j.body, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"gone\"}");
  auto x = EncodeError(reg.Get("ec2"), AwsError::Make("InvalidVpcID.NotFound", "The vpc ID 'v' does not exist"), "rid");
  EXPECT_NE(x.body.find("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"), std::string::npos);
  EXPECT_NE(x.body.find("<RequestID>rid</RequestID>"), std::string::npos);
}

}  // namespace
}  // namespace fargo::protocol
