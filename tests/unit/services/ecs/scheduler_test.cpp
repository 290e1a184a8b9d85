// The ECS service scheduler: replacement, crash-loop back-off, rolling
// deployments within minimum healthy / maximum percent, the deployment
// circuit breaker, scaling to zero and draining deleted services.
#include <gtest/gtest.h>

#include "ecs_fixture.h"

namespace fargo::services {
namespace {

class EcsSchedulerTest : public EcsFixture {
 protected:
  void SetUp() override {
    EcsFixture::SetUp();
    Ok("CreateCluster", json::object{{"clusterName", "c"}});
    td1_ = Register("web", json::array{Container("app")});
    td2_ = Register("web", json::array{Container("app")});
  }

  json::object Create(int64_t desired, json::object extra = {}) {
    json::object in{{"cluster", "c"},         {"serviceName", "s"},           {"taskDefinition", td1_},
                    {"desiredCount", desired}, {"launchType", "FARGATE"},      {"networkConfiguration", Network()}};
    for (auto& [k, v] : extra) in[k] = v;
    return Ok("CreateService", in)["service"].as_object();
  }
  json::object Update(json::object in) {
    in["cluster"] = "c";
    in["service"] = "s";
    return Ok("UpdateService", in)["service"].as_object();
  }
  json::object Svc() {
    auto out = Ok("DescribeServices", json::object{{"cluster", "c"}, {"services", json::array{"s"}}});
    return out["services"].as_array()[0].as_object();
  }
  // Tasks of the service the scheduler wants running (desiredStatus RUNNING).
  std::vector<std::string> Live() {
    auto out = Ok("ListTasks", json::object{{"cluster", "c"}, {"serviceName", "s"}});
    std::vector<std::string> arns;
    for (auto& v : out["taskArns"].as_array()) arns.emplace_back(v.as_string());
    return arns;
  }
  std::string TaskDefOf(const std::string& arn) { return std::string(Describe(arn).at("taskDefinitionArn").as_string()); }
  void RunAll() {
    for (auto& a : Live())
      if (Describe(a).at("lastStatus") != "RUNNING") Feed(a, "RUNNING");
  }
  // The runtime finished stopping every task ECS asked it to stop.
  void FinishStops() {
    for (auto& a : driver_.stopped)
      if (Describe(a).at("lastStatus") != "STOPPED") Feed(a, "STOPPED");
  }
  void Fail(const std::string& arn) {
    auto r = Report(arn, "STOPPED");
    r.stop_code = "TaskFailedToStart";
    r.stopped_reason = "CannotPullContainerError: pull access denied";
    ecs_->ApplyTaskReport(r);
  }
  std::string LatestEvent() { return std::string(Svc().at("events").as_array()[0].at("message").as_string()); }

  std::string td1_, td2_;
};

TEST_F(EcsSchedulerTest, LaunchesDesiredTasksAndCompletes) {
  auto svc = Create(2, {{"enableExecuteCommand", true},
                        {"propagateTags", "SERVICE"},
                        {"tags", json::array{json::object{{"key", "team"}, {"value", "a"}}}}});
  EXPECT_EQ(svc.at("pendingCount"), 2);
  auto live = Live();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(driver_.launched.size(), 2u);
  auto t = Describe(live[0], true);
  std::string dep(svc.at("deployments").as_array()[0].at("id").as_string());
  EXPECT_EQ(t.at("startedBy"), json::value(dep));
  EXPECT_EQ(t.at("group"), "service:s");
  EXPECT_EQ(t.at("enableExecuteCommand"), true);
  EXPECT_EQ(t.at("tags").as_array()[0].at("key"), "team");
  EXPECT_EQ(driver_.launched[0].sandbox.labels.at("fargo.service"), "s");
  EXPECT_NE(LatestEvent().find("(service s) has started 2 tasks: (task "), std::string::npos);

  RunAll();
  svc = Svc();
  EXPECT_EQ(svc.at("runningCount"), 2);
  EXPECT_EQ(svc.at("pendingCount"), 0);
  Advance(1500);
  Advance(1500);
  svc = Svc();
  EXPECT_EQ(svc.at("deployments").as_array()[0].at("rolloutState"), "COMPLETED");
  EXPECT_EQ(LatestEvent(), "(service s) has reached a steady state.");
  EXPECT_EQ(driver_.launched.size(), 2u);  // nothing more
}

TEST_F(EcsSchedulerTest, ReplacesStoppedTasks) {
  Create(1);
  RunAll();
  Advance(60 * 1000);
  std::string first = Live()[0];
  auto r = Report(first, "STOPPED");
  r.stop_code = "EssentialContainerExited";
  r.stopped_reason = "Essential container in task exited";
  ecs_->ApplyTaskReport(r);
  // A task that ran for a while is replaced at once.
  auto live = Live();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_NE(live[0], first);
  EXPECT_EQ(driver_.launched.size(), 2u);
  EXPECT_EQ(Svc().at("deployments").as_array()[0].at("failedTasks"), 1);
}

TEST_F(EcsSchedulerTest, ReplacesTasksThatFailHealthChecks) {
  Create(1);
  RunAll();
  std::string sick = Live()[0];
  auto r = Report(sick, "RUNNING");
  r.health_status = "UNHEALTHY";
  ecs_->ApplyTaskReport(r);
  Advance(1000);
  EXPECT_EQ(Describe(sick).at("desiredStatus"), "STOPPED");
  EXPECT_EQ(Describe(sick).at("stopCode"), "ServiceSchedulerInitiated");
  EXPECT_EQ(Describe(sick).at("stoppedReason"), "Task failed container health checks");
  auto live = Live();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_NE(live[0], sick) << "a replacement is launched";
  bool evented = false;
  json::object svc = Svc();
  for (auto& e : svc.at("events").as_array())
    evented |= e.at("message").as_string().find("failed container health checks") != std::string::npos;
  EXPECT_TRUE(evented);
}

TEST_F(EcsSchedulerTest, BacksOffWhileTasksKeepFailing) {
  Create(1);
  ASSERT_EQ(driver_.launched.size(), 1u);
  Fail(Live()[0]);
  EXPECT_TRUE(Live().empty());  // not at once
  Advance(500);
  EXPECT_TRUE(Live().empty());
  Advance(600);  // 1 s after the failure
  ASSERT_EQ(Live().size(), 1u);
  Fail(Live()[0]);
  Advance(1100);
  EXPECT_TRUE(Live().empty());  // now 2 s
  Advance(1000);
  ASSERT_EQ(Live().size(), 1u);
  Fail(Live()[0]);
  EXPECT_EQ(LatestEvent().rfind("(service s) is unable to consistently start tasks successfully.", 0), 0u);
  Advance(3500);
  EXPECT_TRUE(Live().empty());  // 4 s
  Advance(600);
  ASSERT_EQ(Live().size(), 1u);
  // Tasks that never reach RUNNING are throttled as AWS throttles them:
  // the wait keeps doubling (8 s, 16 s, ... ) up to 27 minutes.
  int64_t wait_s = 8;
  for (int i = 0; i < 12; ++i) {
    Fail(Live()[0]);
    Advance(wait_s * 1000 - 200);
    ASSERT_TRUE(Live().empty()) << "launched before " << wait_s << " s";
    Advance(400);
    ASSERT_EQ(Live().size(), 1u) << "not launched after " << wait_s << " s";
    wait_s = std::min<int64_t>(wait_s * 2, 27 * 60);
  }
  EXPECT_EQ(wait_s, 27 * 60);
  // A new task definition leaves the throttle at once.
  Fail(Live()[0]);
  Update({{"taskDefinition", td2_}});
  ASSERT_EQ(Live().size(), 1u);
  // A task that stays up resets it.
  RunAll();
  Advance(11 * 1000);
  std::string t = Live()[0];
  Fail(t);
  Advance(1100);
  EXPECT_EQ(Live().size(), 1u);
}

TEST_F(EcsSchedulerTest, CrashLoopAfterRunningBacksOffAtMostThirtySeconds) {
  Create(1);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(Live().size(), 1u) << i;
    std::string t = Live()[0];
    Feed(t, "RUNNING");
    Advance(100);
    auto r = Report(t, "STOPPED");
    r.stop_code = "EssentialContainerExited";
    r.stopped_reason = "Essential container in task exited";
    ecs_->ApplyTaskReport(r);
    Advance(30 * 1000 + 100);
  }
  EXPECT_EQ(Live().size(), 1u);
}

TEST_F(EcsSchedulerTest, RollingUpdateKeepsMinimumHealthy) {
  Create(2);
  RunAll();
  Advance(2000);
  auto old = Live();
  // Defaults: 100% healthy, 200% max: two new tasks start next to the old ones.
  auto svc = Update({{"taskDefinition", td2_}});
  EXPECT_EQ(svc.at("deployments").as_array().size(), 2u);
  auto live = Live();
  ASSERT_EQ(live.size(), 4u);
  EXPECT_TRUE(driver_.stopped.empty());
  // The old ones stop only once the new ones run.
  for (auto& a : live)
    if (TaskDefOf(a) == td2_) Feed(a, "RUNNING");
  EXPECT_EQ(driver_.stopped.size(), 2u);
  auto stopped = Describe(driver_.stopped[0]);
  EXPECT_EQ(stopped.at("stopCode"), "ServiceSchedulerInitiated");
  EXPECT_NE(std::string(stopped.at("stoppedReason").as_string()).find("Scaling activity initiated by (deployment"),
            std::string::npos);
  EXPECT_EQ(TaskDefOf(driver_.stopped[0]), td1_);
  FinishStops();
  Advance(1500);
  Advance(1500);
  svc = Svc();
  ASSERT_EQ(svc.at("deployments").as_array().size(), 1u);
  EXPECT_EQ(svc.at("deployments").as_array()[0].at("rolloutState"), "COMPLETED");
  EXPECT_EQ(svc.at("runningCount"), 2);
}

TEST_F(EcsSchedulerTest, RollingUpdateWithinMaximumPercent) {
  Create(2, {{"deploymentConfiguration", json::object{{"minimumHealthyPercent", 50}, {"maximumPercent", 100}}}});
  RunAll();
  Advance(2000);
  Update({{"taskDefinition", td2_}});
  // One old task may stop (50% of 2 stays healthy), making room for one new one.
  EXPECT_EQ(driver_.stopped.size(), 1u);
  auto live = Live();
  ASSERT_EQ(live.size(), 2u);
  int news = 0;
  for (auto& a : live) news += TaskDefOf(a) == td2_;
  EXPECT_EQ(news, 1);
  FinishStops();
  for (auto& a : Live())
    if (TaskDefOf(a) == td2_) Feed(a, "RUNNING");
  // The new one runs: the last old one goes, the second new one comes.
  EXPECT_EQ(driver_.stopped.size(), 2u);
  FinishStops();
  RunAll();
  live = Live();
  ASSERT_EQ(live.size(), 2u);
  for (auto& a : live) EXPECT_EQ(TaskDefOf(a), td2_);
  Advance(1500);
  Advance(1500);
  EXPECT_EQ(Svc().at("deployments").as_array()[0].at("rolloutState"), "COMPLETED");
}

TEST_F(EcsSchedulerTest, CircuitBreakerRollsBack) {
  Create(1, {{"deploymentConfiguration",
              json::object{{"deploymentCircuitBreaker", json::object{{"enable", true}, {"rollback", true}}}}}});
  RunAll();
  Advance(1500);
  Advance(1500);
  ASSERT_EQ(Svc().at("deployments").as_array()[0].at("rolloutState"), "COMPLETED");
  Update({{"taskDefinition", td2_}});
  // Threshold for 1 desired task: clamp(ceil(0.5), 3, 200) = 3 failures.
  for (int i = 0; i < 3; ++i) {
    std::string failing;
    for (auto& a : Live())
      if (TaskDefOf(a) == td2_) failing = a;
    ASSERT_FALSE(failing.empty()) << i;
    Fail(failing);
    Advance(5000);
  }
  auto svc = Svc();
  auto& deps = svc.at("deployments").as_array();
  ASSERT_GE(deps.size(), 2u);
  EXPECT_EQ(deps[0].at("status"), "PRIMARY");
  EXPECT_EQ(deps[0].at("taskDefinition"), json::value(td1_));
  EXPECT_EQ(svc.at("taskDefinition"), json::value(td1_));
  // The failed deployment is FAILED until its tasks are gone, then removed.
  for (auto& d : deps)
    if (d.at("taskDefinition") == json::value(td2_)) EXPECT_EQ(d.at("rolloutState"), "FAILED");
  bool said = false;
  for (auto& e : svc.at("events").as_array())
    said |= std::string(e.at("message").as_string()).find("deployment failed: tasks failed to start.") != std::string::npos;
  EXPECT_TRUE(said);
  // Only tasks of the rolled-back definition are left.
  for (auto& a : Live()) EXPECT_EQ(TaskDefOf(a), td1_);
}

TEST_F(EcsSchedulerTest, ScaleToZero) {
  Create(2);
  RunAll();
  Update({{"desiredCount", 0}});
  EXPECT_EQ(driver_.stopped.size(), 2u);
  EXPECT_NE(LatestEvent().find("(service s) has stopped 2 running tasks:"), std::string::npos);
  EXPECT_TRUE(Live().empty());
  FinishStops();
  auto svc = Svc();
  EXPECT_EQ(svc.at("runningCount"), 0);
  EXPECT_EQ(svc.at("pendingCount"), 0);
  Advance(1500);
  EXPECT_EQ(driver_.launched.size(), 2u);
}

TEST_F(EcsSchedulerTest, DeleteDrainsThenInactive) {
  Create(1);
  RunAll();
  auto svc = Ok("DeleteService", json::object{{"cluster", "c"}, {"service", "s"}, {"force", true}})["service"];
  EXPECT_EQ(svc.at("status"), "DRAINING");
  ASSERT_EQ(driver_.stopped.size(), 1u);
  Advance(2000);
  EXPECT_EQ(Svc().at("status"), "DRAINING");  // the task is still stopping
  FinishStops();
  Advance(2000);
  EXPECT_EQ(Svc().at("status"), "INACTIVE");
  EXPECT_EQ(driver_.launched.size(), 1u);
}

TEST_F(EcsSchedulerTest, ResumesAfterRestart) {
  Create(2);
  RunAll();
  MakeService();
  Advance(1500);
  Advance(1500);
  auto svc = Svc();
  EXPECT_EQ(svc.at("runningCount"), 2);
  EXPECT_EQ(svc.at("deployments").as_array()[0].at("rolloutState"), "COMPLETED");
  EXPECT_EQ(driver_.launched.size(), 2u);
  EXPECT_EQ(ecs_->LiveTaskPlans().size(), 2u);
}

}  // namespace
}  // namespace fargo::services
