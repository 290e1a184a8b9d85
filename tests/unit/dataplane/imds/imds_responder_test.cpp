// The instance metadata service's answers: IMDSv2 tokens (TTL, expiry,
// per instance), IMDSv1 as the instance's http_tokens allows, the hop limit
// as the token's IP TTL, and the paths SDKs read.
#include "dataplane/imds/imds_responder.h"

#include <gtest/gtest.h>

#include "dataplane/imds/imds_server.h"

namespace fargo::dataplane::imds {
namespace {

class Imds : public ::testing::Test {
 protected:
  Imds() {
    inst_.instance_id = "i-0123456789abcdef0";
    inst_.image_id = "ami-0821c0bec02c93708";
    inst_.instance_type = "t3.micro";
    inst_.region = "eu-west-1";
    inst_.availability_zone = "eu-west-1a";
    inst_.private_ip = "10.70.1.4";
    inst_.private_dns = "ip-10-70-1-4.eu-west-1.compute.internal";
    inst_.mac = "0e:01:02:03:04:05";
    inst_.role_name = "bastion";
    inst_.profile_arn = "arn:aws:iam::000000000000:instance-profile/bastion";
    inst_.user_data_b64 = "IyEvYmluL3NoCmVjaG8gaGk=";
  }
  ImdsRequest Get(const std::string& path, const std::string& token = "") {
    ImdsRequest r{"GET", path, {}};
    if (!token.empty()) r.headers["x-aws-ec2-metadata-token"] = token;
    return r;
  }
  std::string Token(int ttl = 60) {
    ImdsRequest put{"PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl)}}};
    ImdsResponse r = responder_.Respond(put, inst_, std::nullopt);
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  FakeClock clock_{1700000000000};
  ImdsResponder responder_{clock_, "secret"};
  InstanceView inst_;
};

TEST_F(Imds, TokensExpireAndBelongToTheirInstance) {
  std::string t = Token(60);
  EXPECT_TRUE(responder_.ValidToken(t, inst_.instance_id));
  EXPECT_FALSE(responder_.ValidToken(t, "i-0fffffffffffffff0"));
  EXPECT_FALSE(responder_.ValidToken(t + "x", inst_.instance_id));
  clock_.Advance(59 * 1000);
  EXPECT_TRUE(responder_.ValidToken(t, inst_.instance_id));
  clock_.Advance(2 * 1000);
  EXPECT_FALSE(responder_.ValidToken(t, inst_.instance_id));
  EXPECT_EQ(responder_.Respond(Get("/latest/meta-data/instance-id", t), inst_, std::nullopt).status, 401);
}

TEST_F(Imds, TokenRequestsAreCheckedAndCarryTheHopLimit) {
  ImdsRequest put{"PUT", "/latest/api/token", {}};
  EXPECT_EQ(responder_.Respond(put, inst_, std::nullopt).status, 400);  // no TTL
  put.headers["x-aws-ec2-metadata-token-ttl-seconds"] = "21601";
  EXPECT_EQ(responder_.Respond(put, inst_, std::nullopt).status, 400);
  put.headers["x-aws-ec2-metadata-token-ttl-seconds"] = "21600";
  inst_.hop_limit = 2;
  ImdsResponse r = responder_.Respond(put, inst_, std::nullopt);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.ip_ttl, 2);
  put.headers["x-forwarded-for"] = "10.0.0.1";
  EXPECT_EQ(responder_.Respond(put, inst_, std::nullopt).status, 403);
  EXPECT_EQ(responder_.Respond(Get("/latest/api/token"), inst_, std::nullopt).status, 405);
}

TEST_F(Imds, RequiredTokensRefuseImdsV1) {
  EXPECT_EQ(responder_.Respond(Get("/latest/meta-data/instance-id"), inst_, std::nullopt).body, inst_.instance_id);
  inst_.http_tokens = "required";
  EXPECT_EQ(responder_.Respond(Get("/latest/meta-data/instance-id"), inst_, std::nullopt).status, 401);
  ImdsResponse r = responder_.Respond(Get("/latest/meta-data/instance-id", Token()), inst_, std::nullopt);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, inst_.instance_id);
}

TEST_F(Imds, ServesTheInstancesFacts) {
  auto body = [&](const std::string& p) { return responder_.Respond(Get(p), inst_, std::nullopt).body; };
  EXPECT_EQ(body("/latest/meta-data/ami-id"), inst_.image_id);
  EXPECT_EQ(body("/latest/meta-data/local-ipv4"), "10.70.1.4");
  EXPECT_EQ(body("/latest/meta-data/mac"), inst_.mac);
  EXPECT_EQ(body("/latest/meta-data/placement/availability-zone"), "eu-west-1a");
  EXPECT_EQ(body("/latest/meta-data/placement/region"), "eu-west-1");
  EXPECT_EQ(body("/latest/user-data"), "#!/bin/sh\necho hi");
  EXPECT_NE(body("/latest/meta-data/").find("instance-id"), std::string::npos);
  EXPECT_NE(body("/latest/meta-data/").find("placement/"), std::string::npos);
  EXPECT_NE(body("/latest/dynamic/instance-identity/document").find("\"region\":\"eu-west-1\""), std::string::npos);
  EXPECT_NE(body("/latest/meta-data/iam/info").find(inst_.profile_arn), std::string::npos);
  EXPECT_EQ(body("/latest/meta-data/iam/security-credentials/"), "bastion");
  EXPECT_EQ(responder_.Respond(Get("/latest/meta-data/nothing-here"), inst_, std::nullopt).status, 404);
  EXPECT_EQ(responder_.Respond(Get("/latest/meta-data/instance-id"), std::nullopt, std::nullopt).status, 404);
}

TEST_F(Imds, RoleCredentialsAreServedUnderTheRolesName) {
  ImdsRequest req = Get("/latest/meta-data/iam/security-credentials/bastion");
  EXPECT_TRUE(ImdsResponder::WantsCredentials(req, inst_));
  EXPECT_FALSE(ImdsResponder::WantsCredentials(Get("/latest/meta-data/iam/security-credentials/other"), inst_));
  RoleCredentials c{"ASIAEXAMPLE", "secret", "token", "2026-12-02T16:00:00Z"};
  ImdsResponse r = responder_.Respond(req, inst_, c);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"AccessKeyId\":\"ASIAEXAMPLE\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"Code\":\"Success\""), std::string::npos);
  EXPECT_NE(r.body.find("\"Type\":\"AWS-HMAC\""), std::string::npos);
}

TEST(ImdsRequestHead, ParsesAndRejects) {
  auto r = ParseRequestHead("PUT /latest/api/token?x=1 HTTP/1.1\r\nHost: 169.254.169.254\r\n"
                            "X-aws-ec2-metadata-token-ttl-seconds:  21600 ");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->path, "/latest/api/token");
  EXPECT_EQ(r->headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
  EXPECT_FALSE(ParseRequestHead("GET").has_value());
  EXPECT_FALSE(ParseRequestHead("GET nopath HTTP/1.1").has_value());
  EXPECT_FALSE(ParseRequestHead("GET / HTTP/1.1\r\nbroken header").has_value());
}

}  // namespace
}  // namespace fargo::dataplane::imds
