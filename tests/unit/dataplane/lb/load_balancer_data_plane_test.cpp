// LoadBalancerDataPlane's share of security groups: a VPC's load balancers
// with groups are filtered (the filter hook) before their listeners open,
// again only when a filter changes, and lifted when the VPC has none left.
#include "dataplane/lb/load_balancer_data_plane.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace fargo::dataplane::lb {
namespace {

using services::elbv2::DataPlanePlan;
using services::elbv2::LoadBalancerPlan;

LoadBalancerPlan Lb(const std::string& name, const std::string& ip, std::vector<std::string> groups, int port) {
  LoadBalancerPlan p;
  p.region = "us-east-1";
  p.arn = "arn:" + name;
  p.name = name;
  p.type = "application";
  p.vpc_id = "vpc-1";
  p.addresses = {ip};
  p.security_groups = std::move(groups);
  if (!p.security_groups.empty()) {
    runtime::SecurityRule r;
    r.protocol = "tcp";
    r.from_port = r.to_port = port;
    r.cidrs = {"10.0.1.0/24"};
    p.filter.ingress.push_back(r);
  }
  return p;
}

class LoadBalancerDataPlaneFilterTest : public ::testing::Test {
 protected:
  LoadBalancerDataPlaneFilterTest() {
    LoadBalancerDataPlane::Hooks hooks;
    hooks.prepare = [this](const std::string& vpc, const std::vector<std::string>&) {
      Note("prepare " + vpc);
      return OkStatus();
    };
    // No namespace here: the balancer does not start (its filter came first).
    hooks.open_netns = [this](const std::string& vpc) -> Result<int> {
      Note("open " + vpc);
      return AwsError::Make("NotFound", "no namespace in this test");
    };
    hooks.filter = [this](const std::string& vpc, const std::vector<runtime::BalancerFilter>& lbs) {
      std::lock_guard<std::mutex> l(mu_);
      filters_.push_back(lbs);
      events_.push_back("filter " + vpc);
      cv_.notify_all();
      return OkStatus();
    };
    plane_ = std::make_unique<LoadBalancerDataPlane>(std::move(hooks));
  }
  void Note(const std::string& e) {
    std::lock_guard<std::mutex> l(mu_);
    events_.push_back(e);
    cv_.notify_all();
  }
  // Applies `plan` and waits until the worker has handled it (its last step
  // is opening the namespace, or removing the addresses).
  void ApplyAndWait(DataPlanePlan plan, const std::string& last) {
    size_t before;
    {
      std::lock_guard<std::mutex> l(mu_);
      before = events_.size();
    }
    plane_->Apply(std::move(plan));
    std::unique_lock<std::mutex> l(mu_);
    ASSERT_TRUE(cv_.wait_for(l, std::chrono::seconds(5), [&] {
      for (size_t i = before; i < events_.size(); ++i)
        if (events_[i] == last) return true;
      return false;
    }));
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> l(mu_);
    return events_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::vector<std::vector<runtime::BalancerFilter>> filters_;
  std::unique_ptr<LoadBalancerDataPlane> plane_;
};

TEST_F(LoadBalancerDataPlaneFilterTest, FiltersBeforeListenersOpenAndOnlyWhenTheyChange) {
  DataPlanePlan plan;
  plan.load_balancers = {Lb("alb", "10.0.1.9", {"sg-1"}, 80), Lb("nlb", "10.0.1.10", {}, 0)};
  ApplyAndWait(plan, "open vpc-1");
  EXPECT_EQ(Events(), (std::vector<std::string>{"prepare vpc-1", "filter vpc-1", "open vpc-1"}));
  ASSERT_EQ(filters_.size(), 1u);
  ASSERT_EQ(filters_[0].size(), 1u);  // the NLB without groups is not filtered
  EXPECT_EQ(filters_[0][0].addresses, std::vector<std::string>{"10.0.1.9"});
  EXPECT_EQ(filters_[0][0].filter.ingress[0].from_port, 80);

  ApplyAndWait(plan, "open vpc-1");  // the same: not filtered again
  EXPECT_EQ(filters_.size(), 1u);

  plan.load_balancers[0] = Lb("alb", "10.0.1.9", {"sg-1"}, 443);  // a rule changed
  ApplyAndWait(plan, "open vpc-1");
  ASSERT_EQ(filters_.size(), 2u);
  EXPECT_EQ(filters_[1][0].filter.ingress[0].from_port, 443);

  ApplyAndWait(DataPlanePlan{}, "filter vpc-1");  // no load balancer left: lifted
  ASSERT_EQ(filters_.size(), 3u);
  EXPECT_TRUE(filters_[2].empty());
}

}  // namespace
}  // namespace fargo::dataplane::lb
