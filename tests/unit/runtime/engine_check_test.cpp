// The start-up engine check: against the real engine, the suite asserts that
// the engine has what fargo relies on (an OCI runtime that starts containers,
// an init binary) and that fargo can make its VPC networks, instead of
// assuming it; a network that cannot be made is named with its fix; and
// which problems block which tasks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "test_env.h"
#include "runtime/engine_check.h"
#include "runtime/engine_client.h"
#include "runtime/task_sandbox.h"
#include "runtime/vpc_fabric.h"

namespace fargo::runtime {
namespace {

namespace json = boost::json;

using fargo::test_util::InCi;

// ---- which problems block which tasks (no engine needed)

TaskPlan PlanWithInit(bool init) {
  TaskPlan p;
  p.task_arn = "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef";
  p.containers.resize(2);
  p.containers[0].spec.name = "init";
  p.containers[1].spec.name = "app";
  p.containers[1].spec.init = init;
  return p;
}

EngineFacts AllOk() {
  EngineFacts f;
  f.reachable = true;
  f.runtime = f.init = f.network = Fact::kOk;
  return f;
}

TEST(TaskBlockedBy, NothingBlocksWhenAllIsWellOrUnknown) {
  int container = 7;
  EXPECT_EQ(TaskBlockedBy(AllOk(), PlanWithInit(true), &container), "");
  EXPECT_EQ(container, -1);
  EXPECT_EQ(TaskBlockedBy(EngineFacts{}, PlanWithInit(true), &container), "");
}

TEST(TaskBlockedBy, AMissingInitBlocksOnlyTasksThatAskForIt) {
  EngineFacts f = AllOk();
  f.init = Fact::kProblem;
  f.init_problem = "no init. Fix: apt-get install catatonit";
  int container = -1;
  EXPECT_EQ(TaskBlockedBy(f, PlanWithInit(false), &container), "");
  EXPECT_EQ(TaskBlockedBy(f, PlanWithInit(true), &container),
            "CannotCreateContainerError: no init. Fix: apt-get install catatonit");
  EXPECT_EQ(container, 1);
}

TEST(TaskBlockedBy, NoNetworkOrNoRuntimeBlocksEveryTask) {
  EngineFacts f = AllOk();
  f.network = Fact::kProblem;
  f.network_problem = "no namespaces. Fix: root";
  int container = 0;
  EXPECT_EQ(TaskBlockedBy(f, PlanWithInit(false), &container),
            "ResourceInitializationError: unable to create the task's network: no namespaces. Fix: root");
  EXPECT_EQ(container, -1);
  f.runtime = Fact::kProblem;
  f.runtime_problem = "cannot start. Fix: runc";
  EXPECT_EQ(TaskBlockedBy(f, PlanWithInit(false), &container), "CannotStartContainerError: cannot start. Fix: runc");
}

// ---- against the engine

class EngineCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.emplace(EngineClient::FromEnvironment());
    Status ping = engine_->Ping();
    if (!ping.ok()) {
      fprintf(stderr, "\n*** EngineCheck tests SKIPPED: no container engine at %s. Run scripts/engine.sh start. ***\n\n",
              engine_->socket_path().c_str());
      if (InCi()) FAIL() << "no container engine under CI";
      GTEST_SKIP();
    }
  }

  EngineCheck::Options Options() { return {{}, "engine-check-test-" + std::to_string(getpid())}; }

  // Nothing of the probe is left in the engine.
  void ExpectNothingLeft() {
    auto containers = engine_->ContainerList({{kLabelManaged, "true"}});
    ASSERT_TRUE(containers.ok());
    for (auto& c : *containers)
      for (auto& n : c.at("Names").as_array())
        EXPECT_EQ(std::string(n.as_string()).find("fargo-probe-"), std::string::npos) << n;
  }

  std::optional<EngineClient> engine_;
};

TEST_F(EngineCheckTest, TheEngineHasWhatFargoReliesOn) {
  VpcFabric fabric(VpcFabric::Options{Options().instance});
  EngineFacts f = EngineCheck(*engine_, Options(), [&] { return fabric.Probe(); }).Run();
  ASSERT_TRUE(f.reachable);
  EXPECT_FALSE(f.version.empty());
  EXPECT_FALSE(f.api_version.empty());
  EXPECT_EQ(f.runtime, Fact::kOk) << f.runtime_problem;
  EXPECT_EQ(f.init, Fact::kOk) << f.init_problem;
  EXPECT_EQ(f.network, Fact::kOk) << f.network_problem;
  EXPECT_TRUE(f.Problems().empty());
  EXPECT_TRUE(fabric.Vpcs().empty());  // the probe's VPC is gone again
  if (f.IsPodman()) {
    // scripts/engine.sh configures Podman explicitly: netavark, runc.
    auto info = engine_->Call("GET", "/libpod/info");
    ASSERT_TRUE(info.ok()) << info.error().message;
    const json::object& host = info->at("host").as_object();
    EXPECT_EQ(host.at("networkBackend"), "netavark");
    EXPECT_EQ(host.at("ociRuntime").at("name"), "runc");
  }
  ExpectNothingLeft();
}

TEST_F(EngineCheckTest, ANetworkThatCannotBeMadeIsNamedWithItsFix) {
  EngineCheck check(*engine_, Options(), [] {
    return Status(AwsError::Make("AccessDenied", "creating a network namespace: Operation not permitted", 500));
  });
  EngineFacts f = check.Run();
  ASSERT_EQ(f.network, Fact::kProblem);
  std::vector<std::string> problems = f.Problems();
  ASSERT_EQ(problems.size(), 1u);
  const std::string& line = problems[0];
  EXPECT_NE(line.find("Operation not permitted"), std::string::npos) << line;
  EXPECT_NE(line.find("Fix: run fargo as root"), std::string::npos) << line;
  ExpectNothingLeft();
}

}  // namespace
}  // namespace fargo::runtime
