#include <gtest/gtest.h>

#include "services/ecs/deployment.h"

namespace fargo::services::ecs {
namespace {

json::object Service(int64_t desired) {
  return json::object{{"serviceName", "web"},
                      {"status", "ACTIVE"},
                      {"desiredCount", desired},
                      {"taskDefinition", "arn:aws:ecs:us-east-1:0:task-definition/f:1"},
                      {"launchType", "FARGATE"},
                      {"platformVersion", "LATEST"},
                      {"deployments", json::array{}},
                      {"events", json::array{}}};
}

TEST(EcsServiceStateTest, DesiredZeroCompletesAfterSettling) {
  SequentialIdGenerator ids;
  auto svc = Service(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 100.0, ids);
  auto* p = PrimaryDeployment(svc);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["rolloutState"], "IN_PROGRESS");
  EXPECT_EQ((*p)["platformVersion"], "1.4.0");
  EXPECT_TRUE(AdvanceService(svc, 101.5, ids));
  p = PrimaryDeployment(svc);
  EXPECT_EQ((*p)["rolloutState"], "COMPLETED");
  EXPECT_EQ((*p)["rolloutStateReason"], "ECS deployment ecs-svc/1 completed.");
  auto& events = svc["events"].as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("message"), "(service web) has reached a steady state.");
  EXPECT_EQ(events[1].at("message"), "(service web) (deployment ecs-svc/1) deployment completed.");
  EXPECT_FALSE(AdvanceService(svc, 102.0, ids));
}

TEST(EcsServiceStateTest, WithoutRuntimeTasksStayPending) {
  SequentialIdGenerator ids;
  auto svc = Service(2);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 200.0, ids);
  EXPECT_EQ(svc["runningCount"], 0);
  EXPECT_EQ(svc["pendingCount"], 2);
  EXPECT_EQ((*PrimaryDeployment(svc))["rolloutState"], "IN_PROGRESS");
}

TEST(EcsServiceStateTest, RuntimeReportsCompleteTheRollout) {
  SequentialIdGenerator ids;
  auto svc = Service(2);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  ReportTasks(svc, "ecs-svc/1", 2, 0, 0);
  AdvanceService(svc, 100.2, ids);
  EXPECT_EQ(svc["runningCount"], 2);
  EXPECT_EQ(svc["pendingCount"], 0);
  AdvanceService(svc, 102.0, ids);
  EXPECT_EQ((*PrimaryDeployment(svc))["rolloutState"], "COMPLETED");
}

TEST(EcsServiceStateTest, NewDeploymentDemotesOldOneUntilDrained) {
  SequentialIdGenerator ids;
  auto svc = Service(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 102.0, ids);
  svc["taskDefinition"] = "arn:aws:ecs:us-east-1:0:task-definition/f:2";
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/2", 110.0));
  AdvanceService(svc, 110.0, ids);
  auto& deps = svc["deployments"].as_array();
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0].at("status"), "PRIMARY");
  EXPECT_EQ(deps[0].at("taskDefinition"), "arn:aws:ecs:us-east-1:0:task-definition/f:2");
  EXPECT_EQ(deps[1].at("status"), "ACTIVE");
  AdvanceService(svc, 111.5, ids);
  ASSERT_EQ(svc["deployments"].as_array().size(), 1u);
  AdvanceService(svc, 113.0, ids);
  EXPECT_EQ((*PrimaryDeployment(svc))["rolloutState"], "COMPLETED");
}

TEST(EcsServiceStateTest, DrainingBecomesInactive) {
  SequentialIdGenerator ids;
  auto svc = Service(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  svc["status"] = "DRAINING";
  svc["_drainingSince"] = 200.0;
  AdvanceService(svc, 200.5, ids);
  EXPECT_EQ(svc["status"], "DRAINING");
  AdvanceService(svc, 201.0, ids);
  EXPECT_EQ(svc["status"], "INACTIVE");
}

}  // namespace
}  // namespace fargo::services::ecs
