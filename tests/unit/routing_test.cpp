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
