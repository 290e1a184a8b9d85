// Application Auto Scaling: the checks a composition root wires in, the
// default roles, and ids across a restart.
#include <gtest/gtest.h>

#include "services/application_autoscaling/application_autoscaling_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class AutoScalingTest : public WireFixture<ApplicationAutoScalingService> {
 protected:
  static constexpr const char* kTarget =
      R"("ServiceNamespace":"ecs","ResourceId":"service/c/s","ScalableDimension":"ecs:service:DesiredCount")";
  json::object Body(const protocol::HttpResponse& r) {
    return r.body.empty() ? json::object{} : json::parse(r.body).as_object();
  }
};

TEST_F(AutoScalingTest, DefaultRolesAreTheServiceLinkedOnes) {
  EXPECT_EQ(ApplicationAutoScalingService::DefaultRoleArn("123456789012", "ecs"),
            "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
            "AWSServiceRoleForApplicationAutoScaling_ECSService");
  EXPECT_EQ(ApplicationAutoScalingService::DefaultRoleArn("1", "dynamodb"),
            "arn:aws:iam::1:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/"
            "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable");
}

TEST_F(AutoScalingTest, ResourceCheckerRejectsMissingResources) {
  std::vector<std::string> asked;
  service_->SetResourceChecker([&](const std::string&, const std::string&, const autoscaling::TargetKey& k)
                                   -> std::optional<std::string> {
    asked.push_back(k.resource_id);
    if (k.resource_id == "service/c/s") return std::nullopt;
    return "ECS service doesn't exist: " + k.resource_id;
  });
  protocol::HttpResponse r = Call("RegisterScalableTarget",
                                  R"({"ServiceNamespace":"ecs","ResourceId":"service/c/none",)"
                                  R"("ScalableDimension":"ecs:service:DesiredCount","MinCapacity":0,"MaxCapacity":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(GetString(Body(r), "__type"), "ValidationException");
  EXPECT_EQ(GetString(Body(r), "message"), "ECS service doesn't exist: service/c/none");
  r = Call("RegisterScalableTarget", std::string("{") + kTarget + R"(,"MinCapacity":0,"MaxCapacity":1})");
  EXPECT_EQ(r.status, 200) << r.body;
  // Updating a registered target does not ask again.
  r = Call("RegisterScalableTarget", std::string("{") + kTarget + R"(,"MaxCapacity":3})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(asked.size(), 2u);
}

TEST_F(AutoScalingTest, ArnsAndAlarmsSurviveARestart) {
  std::string arn = GetString(
      Body(Call("RegisterScalableTarget", std::string("{") + kTarget + R"(,"MinCapacity":1,"MaxCapacity":2})")),
      "ScalableTargetARN");
  json::object put = Body(Call("PutScalingPolicy", std::string("{") + kTarget +
                                                       R"(,"PolicyName":"cpu","PolicyType":"TargetTrackingScaling",)"
                                                       R"("TargetTrackingScalingPolicyConfiguration":{"TargetValue":50,)"
                                                       R"("PredefinedMetricSpecification":{"PredefinedMetricType":)"
                                                       R"("ECSServiceAverageCPUUtilization"}}})"));
  ASSERT_EQ(put.at("Alarms").as_array().size(), 2u);
  std::string high = GetString(put.at("Alarms").as_array()[0].as_object(), "AlarmName");
  EXPECT_EQ(high.rfind("TargetTracking-service/c/s-AlarmHigh-", 0), 0u) << high;
  Restart();
  json::object targets = Body(Call("DescribeScalableTargets", R"({"ServiceNamespace":"ecs"})"));
  EXPECT_EQ(GetString(targets.at("ScalableTargets").as_array()[0].as_object(), "ScalableTargetARN"), arn);
  json::object policies = Body(Call("DescribeScalingPolicies", R"({"ServiceNamespace":"ecs"})"));
  const json::object& p = policies.at("ScalingPolicies").as_array()[0].as_object();
  EXPECT_EQ(GetString(p, "PolicyARN"), GetString(put, "PolicyARN"));
  EXPECT_EQ(GetString(p.at("Alarms").as_array()[0].as_object(), "AlarmName"), high);
}

}  // namespace
}  // namespace fargo::services
