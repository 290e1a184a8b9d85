// TaskRunner against a real Docker Engine API: what a task does, as the ECS
// control plane hears it through TaskReports. Skipped loudly without an
// engine or without the story's test images (tests/images/build.sh); under
// CI=true a missing engine or image is a failure.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_env.h"
#include "common/clock.h"
#include "runtime/engine_check.h"
#include "runtime/engine_client.h"
#include "runtime/task_runner.h"
#include "runtime/task_sandbox.h"

namespace fargo::runtime {
namespace {

constexpr const char* kImage = "docker.io/library/debian:buster-20230411-slim";

using fargo::test_util::InCi;

// Every report, in order, with a way to wait for one.
class Reports {
 public:
  void Add(const TaskReport& r) {
    std::lock_guard<std::mutex> l(mu_);
    all_.push_back(r);
    cv_.notify_all();
  }
  // The first report (for `arn`) satisfying `pred`, waiting up to `timeout`.
  std::optional<TaskReport> WaitFor(const std::string& arn, const std::function<bool(const TaskReport&)>& pred,
                                    std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> l(mu_);
    std::optional<TaskReport> found;
    cv_.wait_for(l, timeout, [&] {
      for (const auto& r : all_)
        if (r.task_arn == arn && pred(r)) {
          found = r;
          return true;
        }
      return false;
    });
    return found;
  }
  std::vector<std::string> Statuses(const std::string& arn) {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (const auto& r : all_)
      if (r.task_arn == arn && (out.empty() || out.back() != r.last_status)) out.push_back(r.last_status);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<TaskReport> all_;
};

bool Is(const TaskReport& r, const char* status) { return r.last_status == status; }

class TaskRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.emplace(EngineClient::FromEnvironment());
    Status ping = engine_->Ping();
    if (!ping.ok()) {
      fprintf(stderr, "\n*** TaskRunner tests SKIPPED: no container engine at %s. Run scripts/engine.sh start. ***\n\n",
              engine_->socket_path().c_str());
      if (InCi()) FAIL() << "no container engine under CI";
      GTEST_SKIP();
    }
    if (!engine_->ImageInspect(kImage).ok()) {
      fprintf(stderr, "\n*** TaskRunner tests SKIPPED: image %s missing. Run tests/images/build.sh. ***\n\n", kImage);
      if (InCi()) FAIL() << "test image missing under CI";
      GTEST_SKIP();
    }
    vpc_ = "vpc-0runner" + std::to_string(getpid());
    int octet = 100 + getpid() % 100;
    cidr_ = "10." + std::to_string(octet) + ".0.0/16";
    subnet_cidr_ = "10." + std::to_string(octet) + ".1.0/24";
    runner_ = MakeRunner();
  }

  void TearDown() override {
    if (runner_) runner_->Shutdown();
    if (!runner_) return;
    for (const auto& arn : arns_) (void)TaskSandbox::RemoveTask(*engine_, runner_->fabric(), arn, 1);
    if (!vpc_.empty()) (void)runner_->fabric().RemoveVpc(vpc_);
  }

  std::unique_ptr<TaskRunner> MakeRunner() {
    TaskRunner::Options options;
    options.instance = "runner-test-" + std::to_string(getpid());
    options.pulls = &pulls_;
    auto runner = std::make_unique<TaskRunner>(
        *engine_, clock_, nullptr, [this](const TaskReport& r) { reports_.Add(r); },
        [this](const std::string& line) {
          fprintf(stderr, "runner: %s\n", line.c_str());
          std::lock_guard<std::mutex> l(log_mu_);
          log_lines_.push_back(line);
          log_cv_.notify_all();
        },
        options);
    runner->Start();
    return runner;
  }

  ContainerPlan Container(const std::string& name, std::vector<std::string> cmd, bool essential = true) {
    ContainerPlan c;
    c.spec.name = name;
    c.spec.image = kImage;
    c.spec.command = std::move(cmd);
    c.spec.stop_timeout_seconds = 2;
    c.essential = essential;
    return c;
  }

  TaskPlan Plan(std::vector<ContainerPlan> containers, std::vector<std::string> volumes = {}) {
    TaskPlan p;
    static int n = 0;
    char id[40];
    snprintf(id, sizeof id, "%08x%024d", static_cast<unsigned>(getpid()), ++n);
    p.task_arn = std::string("arn:aws:ecs:eu-west-1:000000000000:task/default/") + id;
    p.region = "eu-west-1";
    p.sandbox.task_arn = p.task_arn;
    p.sandbox.cluster = "default";
    p.sandbox.vpc.vpc_id = vpc_;
    p.sandbox.vpc.cidr = cidr_;
    p.sandbox.subnet_id = "subnet-0runner";
    p.sandbox.subnet_cidr = subnet_cidr_;
    p.sandbox.volumes = std::move(volumes);
    p.containers = std::move(containers);
    arns_.push_back(p.task_arn);
    return p;
  }

  // Waits up to `timeout` for a runner log line containing `needle`.
  bool WaitForLog(const std::string& needle, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> l(log_mu_);
    return log_cv_.wait_for(l, timeout, [&] {
      for (const auto& line : log_lines_)
        if (line.find(needle) != std::string::npos) return true;
      return false;
    });
  }

  std::string Logs(const std::string& container_id) {
    std::string out;
    LogsOptions o;
    o.follow = false;
    (void)engine_->ContainerLogs(container_id, o, [&](StreamKind, std::string_view d) { out.append(d); });
    return out;
  }

  std::optional<EngineClient> engine_;
  SystemClock clock_;
  Reports reports_;
  PullRegistry pulls_;  // the runner's pulls show here
  std::unique_ptr<TaskRunner> runner_;
  std::string vpc_, cidr_, subnet_cidr_;
  std::vector<std::string> arns_;
  std::mutex log_mu_;
  std::condition_variable log_cv_;
  std::vector<std::string> log_lines_;
};

TEST_F(TaskRunnerTest, InitContainerFeedsSharedVolumeBeforeTheAppStarts) {
  ContainerPlan init = Container("init", {"sh", "-c", "echo from-init > /shared/config"}, false);
  init.spec.mounts.push_back({"config", "/shared", false});
  ContainerPlan app = Container("app", {"sh", "-c", "cat /etc/app/config; exec sleep 600"});
  app.spec.mounts.push_back({"config", "/etc/app", true});
  app.depends_on.push_back({"init", "SUCCESS"});
  TaskPlan plan = Plan({init, app}, {"config"});
  runner_->Launch(plan);

  auto running = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); });
  ASSERT_TRUE(running) << "task never reached RUNNING";
  EXPECT_EQ(running->ip.rfind(subnet_cidr_.substr(0, subnet_cidr_.size() - 4), 0), 0u) << running->ip;
  EXPECT_FALSE(running->mac.empty());
  EXPECT_EQ(running->eni_id.rfind("eni-", 0), 0u);
  EXPECT_GT(running->pull_started_at_ms, 0);
  EXPECT_GE(running->pull_stopped_at_ms, running->pull_started_at_ms);
  EXPECT_GE(running->started_at_ms, running->pull_stopped_at_ms);
  ASSERT_EQ(running->containers.size(), 2u);
  EXPECT_EQ(running->containers[0].last_status, "STOPPED");
  EXPECT_EQ(running->containers[0].exit_code, 0);
  EXPECT_EQ(running->containers[1].last_status, "RUNNING");
  EXPECT_FALSE(running->containers[1].image_digest.empty());
  // RUNNING is the app's start; its first line reaches the engine's log a
  // moment later (on Docker often after the report).
  std::string app_log;
  for (int i = 0; i < 50 && app_log.empty(); ++i) {
    app_log = Logs(running->containers[1].runtime_id);
    if (app_log.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(app_log, "from-init\n");

  runner_->Stop(plan.task_arn);
  auto stopped = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(reports_.Statuses(plan.task_arn),
            (std::vector<std::string>{"PENDING", "RUNNING", "DEPROVISIONING", "STOPPED"}));
  EXPECT_TRUE(stopped->stop_code.empty()) << "a stop the control plane asked for keeps its own code";
  EXPECT_GT(stopped->stopping_at_ms, 0);
  EXPECT_GE(stopped->stopped_at_ms, stopped->execution_stopped_at_ms);
  EXPECT_TRUE(stopped->containers[1].exit_code.has_value());
  auto left = engine_->ContainerList({{kLabelTaskArn, plan.task_arn}});
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "the task's containers are removed";
}

TEST_F(TaskRunnerTest, EssentialContainerExitStopsTheTaskWithItsExitCode) {
  TaskPlan plan = Plan({Container("sidecar", {"sleep", "600"}, false), Container("main", {"sh", "-c", "sleep 1; exit 3"})});
  runner_->Launch(plan);
  auto stopped = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->stop_code, "EssentialContainerExited");
  EXPECT_EQ(stopped->stopped_reason, "Essential container in task exited");
  EXPECT_EQ(stopped->containers[1].exit_code, 3);
  EXPECT_TRUE(stopped->containers[0].exit_code.has_value()) << "the sidecar was stopped too";
  fprintf(stderr, "exit noticed %lld ms after the container started\n",
          static_cast<long long>(stopped->containers[1].finished_at_ms - stopped->containers[1].started_at_ms));
}

TEST_F(TaskRunnerTest, NonEssentialExitLeavesTheTaskRunning) {
  TaskPlan plan = Plan({Container("once", {"true"}, false), Container("main", {"sleep", "600"})});
  int64_t t0 = clock_.NowMillis();
  runner_->Launch(plan);
  auto up = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); });
  ASSERT_TRUE(up);
  fprintf(stderr, "launch to RUNNING: %lld ms\n", static_cast<long long>(up->started_at_ms - t0));
  ASSERT_TRUE(reports_.WaitFor(plan.task_arn, [](const TaskReport& r) {
    return Is(r, "RUNNING") && r.containers[0].last_status == "STOPPED";
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(reports_.Statuses(plan.task_arn).back(), "RUNNING");
}

TEST_F(TaskRunnerTest, MissingImageStopsTheTaskWithCannotPullContainerError) {
  ContainerPlan c = Container("main", {"true"});
  c.spec.image = "localhost/fargo/no-such-image:" + std::to_string(getpid());
  TaskPlan plan = Plan({c});
  runner_->Launch(plan);
  auto stopped = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->stop_code, "TaskFailedToStart");
  EXPECT_EQ(stopped->stopped_reason.rfind("CannotPullContainerError", 0), 0u) << stopped->stopped_reason;
  EXPECT_EQ(stopped->containers[0].reason.rfind("CannotPullContainerError", 0), 0u);
  // The pull showed for people, as the task's, and ended with the engine's word.
  std::vector<PullProgress> pulls = pulls_.List();
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls[0].owner, plan.task_arn);
  EXPECT_EQ(pulls[0].image, c.spec.image);
  EXPECT_EQ(pulls[0].state, PullProgress::State::kFailed);
  EXPECT_FALSE(pulls[0].error.empty());
  EXPECT_NE(stopped->stopped_reason.find(pulls[0].error), std::string::npos) << pulls[0].error;
}

// The start-up engine check found no init binary: a task that asks for
// initProcessEnabled stops with that problem and its fix, and a task that
// does not ask for it runs.
TEST_F(TaskRunnerTest, TaskNeedingAMissingInitBinaryStopsWithTheFix) {
  EngineFacts facts;
  facts.reachable = true;
  facts.engine = "Podman";
  facts.runtime = facts.network = Fact::kOk;
  facts.init = Fact::kProblem;
  facts.init_problem = "the container engine has no init binary (stat /usr/libexec/podman/catatonit). "
                       "Fix: apt-get install catatonit";
  std::promise<EngineFacts> ready;
  ready.set_value(facts);
  runner_->SetEngineFacts(ready.get_future().share());

  ContainerPlan with_init = Container("main", {"sleep", "30"});
  with_init.spec.init = true;
  TaskPlan blocked = Plan({Container("sidecar", {"sleep", "30"}, false), with_init});
  runner_->Launch(blocked);
  auto stopped = reports_.WaitFor(blocked.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->stop_code, "TaskFailedToStart");
  EXPECT_EQ(stopped->stopped_reason, "CannotCreateContainerError: " + facts.init_problem);
  EXPECT_EQ(stopped->containers[1].reason, stopped->stopped_reason);

  TaskPlan plain = Plan({Container("main", {"sleep", "30"})});
  runner_->Launch(plain);
  EXPECT_TRUE(reports_.WaitFor(plain.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); }));
  runner_->Stop(plain.task_arn);
  EXPECT_TRUE(reports_.WaitFor(plain.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); }));
}

TEST_F(TaskRunnerTest, FailedSuccessDependencyStopsTheTask) {
  ContainerPlan init = Container("init", {"sh", "-c", "exit 1"}, false);
  ContainerPlan app = Container("app", {"sleep", "600"});
  app.depends_on.push_back({"init", "SUCCESS"});
  TaskPlan plan = Plan({init, app});
  runner_->Launch(plan);
  auto stopped = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->stop_code, "TaskFailedToStart");
  EXPECT_NE(stopped->containers[1].reason.find("init"), std::string::npos) << stopped->containers[1].reason;
  EXPECT_TRUE(stopped->containers[1].runtime_id.size() > 0);
  EXPECT_FALSE(stopped->containers[1].exit_code.has_value()) << "app never started";
}

TEST_F(TaskRunnerTest, HealthyDependencyWaitsForTheHealthCheck) {
  ContainerPlan db = Container("db", {"sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 600"});
  db.health_check = HealthCheckSpec{{"CMD-SHELL", "test -f /tmp/ready"}, 1, 2, 3, 0};
  ContainerPlan app = Container("app", {"sleep", "600"});
  app.depends_on.push_back({"db", "HEALTHY"});
  TaskPlan plan = Plan({db, app});
  runner_->Launch(plan);
  auto running = reports_.WaitFor(plan.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); });
  ASSERT_TRUE(running);
  EXPECT_EQ(running->containers[0].health_status, "HEALTHY");
  EXPECT_EQ(running->health_status, "HEALTHY");
  EXPECT_GE(running->containers[1].started_at_ms, running->containers[0].started_at_ms + 900);
}

TEST_F(TaskRunnerTest, RestartedRunnerAdoptsLiveTasksAndRemovesOrphans) {
  TaskPlan kept = Plan({Container("main", {"sleep", "600"})});
  TaskPlan orphan = Plan({Container("main", {"sleep", "600"})});
  runner_->Launch(kept);
  runner_->Launch(orphan);
  auto first = reports_.WaitFor(kept.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); });
  ASSERT_TRUE(first);
  ASSERT_TRUE(reports_.WaitFor(orphan.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); }));
  runner_->Shutdown();  // fargo goes away; the tasks keep running

  runner_ = MakeRunner();
  runner_->Adopt({kept});
  auto adopted = reports_.WaitFor(kept.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING") && r.started_at_ms > 0; },
                                  std::chrono::seconds(10));
  ASSERT_TRUE(adopted);
  EXPECT_EQ(adopted->ip, first->ip);
  EXPECT_EQ(adopted->containers[0].runtime_id, first->containers[0].runtime_id) << "same container, not a new one";

  bool orphan_gone = false;
  for (int i = 0; i < 100 && !orphan_gone; ++i) {
    auto left = engine_->ContainerList({{kLabelTaskArn, orphan.task_arn}});
    orphan_gone = left.ok() && left->empty();
    if (!orphan_gone) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(orphan_gone) << "the orphaned task is removed";
  EXPECT_EQ(runner_->LiveTasks(), 1u);
}

// The sweep after a restart compares the engine's tasks with the control
// plane's snapshot of live ones. A task launched after that snapshot was
// taken is not in it, and must survive the sweep.
TEST_F(TaskRunnerTest, SweepSparesATaskLaunchedAfterItsSnapshot) {
  TaskPlan late = Plan({Container("main", {"sleep", "600"})});
  runner_->Launch(late);
  ASSERT_TRUE(reports_.WaitFor(late.task_arn, [](const TaskReport& r) { return Is(r, "RUNNING"); }));
  runner_->Adopt({});  // the snapshot, taken before `late` was launched
  ASSERT_TRUE(WaitForLog("orphan sweep done"));
  EXPECT_FALSE(WaitForLog("removing orphaned task " + late.task_arn, std::chrono::seconds(0)));
  auto left = engine_->ContainerList({{kLabelTaskArn, late.task_arn}});
  ASSERT_TRUE(left.ok());
  EXPECT_FALSE(left->empty()) << "the sweep removed a task launched after its snapshot";
  EXPECT_FALSE(reports_.WaitFor(late.task_arn, [](const TaskReport& r) { return Is(r, "STOPPED"); },
                                std::chrono::seconds(0)));
}

}  // namespace
}  // namespace fargo::runtime
