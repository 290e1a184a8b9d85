// StsService::IssueRoleCredentials (ECS task roles) and the credentials
// endpoint body built from its result.
#include <gtest/gtest.h>

#include <memory>

#include "common/clock.h"
#include "protocol/model.h"
#include "services/sts/sts_service.h"
#include "store/store.h"

namespace fargo::services {
namespace {

constexpr int64_t kNowMs = 1795600800000;  // 2026-11-25T10:00:00Z
constexpr const char* kRole = "arn:aws:iam::123456789012:role/app/task-role";

class StsTaskCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    sts_ = std::make_unique<StsService>(Env{*store_, clock_, ids_});
    ASSERT_TRUE(sts_->Start().ok());
  }

  // Runs an STS operation through the service's dispatch, as the gateway does.
  Result<json::object> Call(const std::string& op_name, json::object input,
                            const std::string& access_key = "AKIDEXAMPLE") {
    const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get("sts");
    EXPECT_NE(model, nullptr);
    const protocol::Operation* op = model->FindOperation(op_name);
    EXPECT_NE(op, nullptr);
    protocol::HttpRequest http;
    CallContext ctx{"us-east-1", "000000000000", "req-1", access_key, *model, *op, http};
    return sts_->Invoke(ctx, input);
  }

  std::unique_ptr<store::Store> store_;
  FakeClock clock_{kNowMs};
  SequentialIdGenerator ids_;
  std::unique_ptr<StsService> sts_;
};

TEST_F(StsTaskCredentialsTest, IssuesCredentialsThatIdentifyAsTheAssumedRole) {
  auto r = sts_->IssueRoleCredentials(kRole, "0123456789abcdef0123456789abcdef", 3600);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& creds = r->at("Credentials").as_object();
  std::string key(creds.at("AccessKeyId").as_string());
  EXPECT_EQ(key.rfind("ASIA", 0), 0u) << key;
  EXPECT_EQ(key.size(), 20u);
  EXPECT_EQ(creds.at("SecretAccessKey").as_string().size(), 40u);
  EXPECT_FALSE(creds.at("SessionToken").as_string().empty());
  EXPECT_EQ(creds.at("Expiration").to_number<int64_t>(), kNowMs / 1000 + 3600);
  const std::string arn =
      "arn:aws:sts::123456789012:assumed-role/task-role/0123456789abcdef0123456789abcdef";
  EXPECT_EQ(r->at("AssumedRoleUser").at("Arn").as_string(), arn);

  // GetCallerIdentity signed with the new key answers the assumed role.
  auto who = Call("GetCallerIdentity", {}, key);
  ASSERT_TRUE(who.ok()) << who.error().message;
  EXPECT_EQ(who->at("Arn").as_string(), arn);
  EXPECT_EQ(who->at("UserId").as_string(),
            std::string(r->at("AssumedRoleUser").at("AssumedRoleId").as_string()));

  // Once expired, the key is the account root again (as for AssumeRole).
  clock_.Advance(3601 * 1000);
  auto later = sts_->IdentityOf(key, "000000000000");
  EXPECT_EQ(later.at("Arn").as_string(), "arn:aws:iam::000000000000:root");
}

TEST_F(StsTaskCredentialsTest, AssumeRoleAnswersTheSameShape) {
  auto a = Call("AssumeRole", {{"RoleArn", kRole}, {"RoleSessionName", "s1"}});
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = sts_->IssueRoleCredentials(kRole, "s1", 3600);
  ASSERT_TRUE(b.ok());
  for (const auto& kv : *a) EXPECT_TRUE(b->contains(kv.key())) << kv.key();
  for (const auto& kv : a->at("Credentials").as_object())
    EXPECT_TRUE(b->at("Credentials").as_object().contains(kv.key())) << kv.key();
  EXPECT_EQ(a->at("AssumedRoleUser").at("Arn"), b->at("AssumedRoleUser").at("Arn"));
  EXPECT_NE(a->at("Credentials").at("AccessKeyId"), b->at("Credentials").at("AccessKeyId"));

  auto who = Call("GetCallerIdentity", {},
                  std::string(a->at("Credentials").at("AccessKeyId").as_string()));
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->at("Arn").as_string(), "arn:aws:sts::123456789012:assumed-role/task-role/s1");
}

TEST_F(StsTaskCredentialsTest, ValidatesLikeAssumeRole) {
  auto short_duration = sts_->IssueRoleCredentials(kRole, "s", 899);
  ASSERT_FALSE(short_duration.ok());
  EXPECT_EQ(short_duration.error().code, "ValidationError");
  auto long_duration = sts_->IssueRoleCredentials(kRole, "s", 43201);
  ASSERT_FALSE(long_duration.ok());
  auto bad_arn = sts_->IssueRoleCredentials("not-an-arn", "s", 3600);
  ASSERT_FALSE(bad_arn.ok());
  EXPECT_EQ(bad_arn.error().code, "ValidationError");
  auto user_arn = sts_->IssueRoleCredentials("arn:aws:iam::123456789012:user/bob", "s", 3600);
  ASSERT_FALSE(user_arn.ok());

  auto via_op = Call("AssumeRole", {{"RoleArn", "not-an-arn"}, {"RoleSessionName", "s"}});
  ASSERT_FALSE(via_op.ok());
  EXPECT_EQ(via_op.error().message, bad_arn.error().message);
}

TEST_F(StsTaskCredentialsTest, ContainerCredentialsBodyHasTheShapeSdksParse) {
  auto r = sts_->IssueRoleCredentials(kRole, "task", 6 * 3600);
  ASSERT_TRUE(r.ok());
  json::object body = ContainerCredentialsBody(*r, kRole);
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(body.at("RoleArn").as_string(), kRole);
  EXPECT_EQ(body.at("AccessKeyId"), r->at("Credentials").at("AccessKeyId"));
  EXPECT_EQ(body.at("SecretAccessKey"), r->at("Credentials").at("SecretAccessKey"));
  EXPECT_EQ(body.at("Token"), r->at("Credentials").at("SessionToken"));
  // kNowMs + 6 h, whole seconds, UTC.
  EXPECT_EQ(body.at("Expiration").as_string(), "2026-11-25T16:00:00Z");
}

}  // namespace
}  // namespace fargo::services
