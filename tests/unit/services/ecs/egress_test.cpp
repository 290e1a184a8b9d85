// ECS and egress: the plan carries what the subnet's route table decided at
// launch and the task's assignPublicIp; route changes reach running tasks
// through the runtime (TaskDriver::SetEgress) within a tick, as AWS applies
// them at once, and are kept in the stored plan (a restart adopts them).
#include <gtest/gtest.h>

#include "ecs_fixture.h"

namespace fargo::services {
namespace {

using runtime::SubnetEgress;

class EcsEgressTest : public EcsFixture {
 protected:
  void SetUp() override {
    EcsFixture::SetUp();
    Ok("CreateCluster", json::object{{"clusterName", "c"}});
    td_ = Register("web", json::array{Container("app")});
  }
  std::string Run(bool public_ip) {
    json::object net = Network();
    net["awsvpcConfiguration"].as_object()["assignPublicIp"] = public_ip ? "ENABLED" : "DISABLED";
    json::object t = RunOne(td_, json::object{{"networkConfiguration", net}});
    return std::string(t.at("taskArn").as_string());
  }
  const runtime::TaskPlan* Live(const std::string& arn) {
    live_ = ecs_->LiveTaskPlans();
    for (auto& p : live_)
      if (p.task_arn == arn) return &p;
    return nullptr;
  }
  std::string td_;
  std::vector<runtime::TaskPlan> live_;
};

TEST_F(EcsEgressTest, ThePlanCarriesTheSubnetsRouteAndThePublicIp) {
  subnet_egress_["subnet-1"] = SubnetEgress::kInternetGateway;
  std::string pub = Run(true), priv = Run(false);
  ASSERT_EQ(driver_.launched.size(), 2u);
  EXPECT_EQ(driver_.launched[0].sandbox.subnet_egress, SubnetEgress::kInternetGateway);
  EXPECT_TRUE(driver_.launched[0].sandbox.public_ip);
  EXPECT_TRUE(runtime::HasEgress(driver_.launched[0].sandbox.subnet_egress, driver_.launched[0].sandbox.public_ip));
  EXPECT_FALSE(driver_.launched[1].sandbox.public_ip);  // no public IP behind an internet gateway: none, as AWS
  EXPECT_FALSE(runtime::HasEgress(driver_.launched[1].sandbox.subnet_egress, driver_.launched[1].sandbox.public_ip));
  // The plan's JSON form (stored with the task) keeps both.
  auto again = runtime::TaskPlanFromJson(runtime::ToJson(driver_.launched[0]));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sandbox.subnet_egress, SubnetEgress::kInternetGateway);
  EXPECT_TRUE(again->sandbox.public_ip);
}

TEST_F(EcsEgressTest, RouteChangesReachRunningTasksWithinATick) {
  std::string pub = Run(true), priv = Run(false);
  Feed(pub, "RUNNING");
  Feed(priv, "RUNNING");
  Advance(1000);
  EXPECT_TRUE(driver_.egress_set.empty());  // nothing changed

  // An internet gateway: only the task with a public IP gets egress.
  subnet_egress_["subnet-1"] = SubnetEgress::kInternetGateway;
  Advance(1000);
  ASSERT_EQ(driver_.egress_set.size(), 1u);
  EXPECT_EQ(driver_.egress_set[0], std::make_pair(pub, true));
  ASSERT_NE(Live(priv), nullptr);
  EXPECT_EQ(Live(priv)->sandbox.subnet_egress, SubnetEgress::kInternetGateway);  // stored all the same

  // A NAT gateway instead: the private task too.
  subnet_egress_["subnet-1"] = SubnetEgress::kNatGateway;
  Advance(1000);
  ASSERT_EQ(driver_.egress_set.size(), 2u);
  EXPECT_EQ(driver_.egress_set[1], std::make_pair(priv, true));

  // The route goes: both lose it; a restarted ECS adopts the plans as they are now.
  subnet_egress_.erase("subnet-1");
  Advance(1000);
  ASSERT_EQ(driver_.egress_set.size(), 4u);
  EXPECT_FALSE(driver_.egress_set[2].second);
  EXPECT_FALSE(driver_.egress_set[3].second);
  Advance(1000);
  EXPECT_EQ(driver_.egress_set.size(), 4u);  // once per change
  MakeService();
  ASSERT_NE(Live(pub), nullptr);
  EXPECT_EQ(Live(pub)->sandbox.subnet_egress, SubnetEgress::kNone);
  EXPECT_TRUE(Live(pub)->sandbox.public_ip);
}

TEST_F(EcsEgressTest, StoppedTasksAreLeftAlone) {
  std::string arn = Run(false);
  Feed(arn, "RUNNING");
  Feed(arn, "STOPPED");
  subnet_egress_["subnet-1"] = SubnetEgress::kNatGateway;
  Advance(1000);
  EXPECT_TRUE(driver_.egress_set.empty());
}

}  // namespace
}  // namespace fargo::services
