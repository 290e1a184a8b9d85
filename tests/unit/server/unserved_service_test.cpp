// Requests to AWS services fargo does not serve get a NotImplemented error in
// that service's own protocol (JSON 1.0/1.1, query, EC2, REST-JSON,
// REST-XML, RPC v2 CBOR) naming the service: never S3's answer or a page.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "protocol/service_catalog.h"
#include "server/gateway.h"
#include "services/s3/s3_service.h"
#include "store/store.h"

namespace fargo::server {
namespace {

std::string Auth(const std::string& signing_name) {
  return "AWS4-HMAC-SHA256 Credential=AKID/20261125/eu-west-1/" + signing_name +
         "/aws4_request, SignedHeaders=host, Signature=x";
}

class Unserved : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    gateway_ = std::make_unique<Gateway>(clock_, ids_, "000000000000", "us-east-1");
    gateway_->AddService(std::make_unique<services::S3Service>(services::Env{*store_, clock_, ids_, "000000000000"}));
    ASSERT_TRUE(gateway_->Start().ok());
  }
  void TearDown() override { gateway_->Stop(); }

  protocol::HttpResponse Send(std::string method, std::string path, std::map<std::string, std::string> headers,
                              std::string body = "") {
    protocol::HttpRequest r;
    r.method = std::move(method);
    r.path = r.raw_path = std::move(path);
    r.headers = std::move(headers);
    r.headers["host"] = "localhost:4566";
    r.body = std::move(body);
    std::promise<protocol::HttpResponse> p;
    gateway_->Handle(std::move(r), [&p](protocol::HttpResponse resp) { p.set_value(std::move(resp)); });
    return p.get_future().get();
  }
  static std::string Header(const protocol::HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  FakeClock clock_{1700000000000};
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(Unserved, JsonTargetGetsAJsonErrorInItsJsonVersion) {
  auto r = Send("POST", "/",
                {{"x-amz-target", "DynamoDB_20120810.ListTables"},
                 {"content-type", "application/x-amz-json-1.0"},
                 {"authorization", Auth("dynamodb")}},
                "{}");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(Header(r, "Content-Type"), "application/x-amz-json-1.0");
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("__type").as_string(), "NotImplemented");
  EXPECT_NE(std::string(body.at("message").as_string()).find("DynamoDB (dynamodb)"), std::string::npos) << r.body;
  EXPECT_NE(std::string(body.at("message").as_string()).find("ListTables"), std::string::npos) << r.body;
}

TEST_F(Unserved, CloudMapTargetIsRecognised) {
  // Cloud Map's JSON 1.1 target, as the Terraform provider sends it.
  protocol::HttpRequest r;
  r.headers["x-amz-target"] = "Route53AutoNaming_v20170314.CreateHttpNamespace";
  protocol::Router router(protocol::ModelRegistry::Instance(), "us-east-1");
  auto u = router.Unserved(r);
  ASSERT_TRUE(u);
  ASSERT_NE(u->service, nullptr);
  EXPECT_EQ(u->service->name, "servicediscovery");
  EXPECT_EQ(u->protocol, "json");
  EXPECT_EQ(u->operation, "CreateHttpNamespace");
}

TEST_F(Unserved, QueryServiceGetsAnErrorResponse) {
  auto r = Send("POST", "/",
                {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}, {"authorization", Auth("sns")}},
                "Action=ListTopics&Version=2010-03-31");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.body.rfind("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Receiver</Type>"
                         "<Code>NotImplemented</Code>",
                         0),
            0u)
      << r.body;
  EXPECT_NE(r.body.find("SNS (sns)"), std::string::npos) << r.body;
  // Unsigned, the API version tells the service.
  auto u = Send("POST", "/", {{"content-type", "application/x-www-form-urlencoded"}},
                "Action=ListTopics&Version=2010-03-31");
  EXPECT_EQ(u.status, 501);
  EXPECT_NE(u.body.find("SNS (sns)"), std::string::npos) << u.body;
}

TEST_F(Unserved, RestJsonServiceIsNotMistakenForS3) {
  auto r = Send("GET", "/2015-03-31/functions/", {{"authorization", Auth("lambda")}});
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "NotImplemented");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_NE(r.body.find("Lambda (lambda)"), std::string::npos) << r.body;
}

TEST_F(Unserved, RestXmlServiceGetsAnXmlError) {
  auto r = Send("GET", "/2013-04-01/hostedzone", {{"authorization", Auth("route53")}});
  EXPECT_EQ(r.status, 501);
  EXPECT_NE(r.body.find("<Code>NotImplemented</Code>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Route 53 (route53)"), std::string::npos) << r.body;
}

TEST_F(Unserved, RpcV2CborGetsACborError) {
  auto r = Send("POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                {{"smithy-protocol", "rpc-v2-cbor"}, {"authorization", Auth("monitoring")}});
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(Header(r, "Content-Type"), "application/cbor");
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0xa2);  // a map of two entries
  EXPECT_NE(r.body.find("__type"), std::string::npos);
  EXPECT_NE(r.body.find("NotImplemented"), std::string::npos);
}

TEST_F(Unserved, S3StillAnswersUnsignedAndSignedRequests) {
  auto r = Send("GET", "/", {{"authorization", Auth("s3")}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("ListAllMyBucketsResult"), std::string::npos) << r.body;
}

TEST(ServiceCatalog, KnowsEveryBotocoreService) {
  const auto& c = protocol::ServiceCatalog::Instance();
  EXPECT_GT(c.all().size(), 400u);
  ASSERT_NE(c.ByName("servicediscovery"), nullptr);
  EXPECT_EQ(c.ByName("servicediscovery")->target_prefix, "Route53AutoNaming_v20170314");
  EXPECT_EQ(c.ByTargetPrefix("AmazonSSM")->name, "ssm");
  EXPECT_EQ(c.ByName("application-autoscaling")->signing_name, "application-autoscaling");
  EXPECT_TRUE(c.ByName("cloudwatch")->Speaks("query"));
  EXPECT_FALSE(c.ByName("cloudwatch")->Speaks("rest-json"));
}

}  // namespace
}  // namespace fargo::server
