#include <gtest/gtest.h>

#include "services/ecs/deployment.h"

namespace fargo::services::ecs {
namespace {

Service MakeService(int64_t desired) {
  Service s;
  s.service_name = "web";
  s.status = ServiceStatus::kActive;
  s.desired_count = desired;
  s.task_definition = "arn:aws:ecs:us-east-1:0:task-definition/f:1";
  s.config = json::object{{"launchType", "FARGATE"}, {"platformVersion", "LATEST"}};
  return s;
}

TEST(EcsServiceStateTest, DesiredZeroCompletesAfterSettling) {
  SequentialIdGenerator ids;
  auto svc = MakeService(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 100.0, ids);
  auto* p = svc.primary();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->rollout_state, RolloutState::kInProgress);
  EXPECT_EQ(p->config.at("platformVersion"), "1.4.0");
  EXPECT_TRUE(AdvanceService(svc, 101.5, ids));
  p = svc.primary();
  EXPECT_EQ(p->rollout_state, RolloutState::kCompleted);
  EXPECT_EQ(p->rollout_state_reason, "ECS deployment ecs-svc/1 completed.");
  ASSERT_EQ(svc.events.size(), 2u);
  EXPECT_EQ(svc.events[0].message, "(service web) has reached a steady state.");
  EXPECT_EQ(svc.events[1].message, "(service web) (deployment ecs-svc/1) deployment completed.");
  EXPECT_FALSE(AdvanceService(svc, 102.0, ids));
}

TEST(EcsServiceStateTest, WithoutRuntimeTasksStayPending) {
  SequentialIdGenerator ids;
  auto svc = MakeService(2);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 200.0, ids);
  EXPECT_EQ(svc.running_count, 0);
  EXPECT_EQ(svc.pending_count, 2);
  EXPECT_EQ(svc.primary()->rollout_state, RolloutState::kInProgress);
}

TEST(EcsServiceStateTest, RuntimeReportsCompleteTheRollout) {
  SequentialIdGenerator ids;
  auto svc = MakeService(2);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  ReportTasks(svc, "ecs-svc/1", 2, 0, 0);
  AdvanceService(svc, 100.2, ids);
  EXPECT_EQ(svc.running_count, 2);
  EXPECT_EQ(svc.pending_count, 0);
  AdvanceService(svc, 102.0, ids);
  EXPECT_EQ(svc.primary()->rollout_state, RolloutState::kCompleted);
}

TEST(EcsServiceStateTest, NewDeploymentDemotesOldOneUntilDrained) {
  SequentialIdGenerator ids;
  auto svc = MakeService(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  AdvanceService(svc, 102.0, ids);
  svc.task_definition = "arn:aws:ecs:us-east-1:0:task-definition/f:2";
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/2", 110.0));
  AdvanceService(svc, 110.0, ids);
  ASSERT_EQ(svc.deployments.size(), 2u);
  EXPECT_EQ(svc.deployments[0].status, DeploymentStatus::kPrimary);
  EXPECT_EQ(svc.deployments[0].task_definition, "arn:aws:ecs:us-east-1:0:task-definition/f:2");
  EXPECT_EQ(svc.deployments[1].status, DeploymentStatus::kActive);
  AdvanceService(svc, 111.5, ids);
  ASSERT_EQ(svc.deployments.size(), 1u);
  AdvanceService(svc, 113.0, ids);
  EXPECT_EQ(svc.primary()->rollout_state, RolloutState::kCompleted);
}

TEST(EcsServiceStateTest, DrainingBecomesInactive) {
  SequentialIdGenerator ids;
  auto svc = MakeService(0);
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  svc.status = ServiceStatus::kDraining;
  svc.draining_since = 200.0;
  AdvanceService(svc, 200.5, ids);
  EXPECT_EQ(svc.status, ServiceStatus::kDraining);
  AdvanceService(svc, 201.0, ids);
  EXPECT_EQ(svc.status, ServiceStatus::kInactive);
}

TEST(EcsServiceStateTest, StoredFormKeepsEverything) {
  SequentialIdGenerator ids;
  auto svc = MakeService(2);
  svc.service_arn = "arn:aws:ecs:us-east-1:0:service/c/web";
  svc.config["tags"] = json::array{json::object{{"key", "k"}, {"value", "v"}}};
  StartDeployment(svc, NewDeployment(svc, "ecs-svc/1", 100.0));
  ReportTasks(svc, "ecs-svc/1", 1, 1, 3);
  AdvanceService(svc, 100.5, ids);
  svc.fail_streak = 2;
  svc.next_launch_at = 104.0;
  svc.client_token = "tok";
  auto back = ServiceFromStored(ToStored(svc));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(json::value(ToStored(*back)), json::value(ToStored(svc)));
  EXPECT_EQ(EncodeService(*back, true), EncodeService(svc, true));
  EXPECT_FALSE(EncodeService(svc, false).contains("tags"));
  EXPECT_FALSE(EncodeService(svc, true).contains("_failStreak"));
  EXPECT_FALSE(ServiceFromStored(json::object{{"serviceName", "x"}}).ok());
}

}  // namespace
}  // namespace fargo::services::ecs
