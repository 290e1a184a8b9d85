// SecurityGroupPublisher: keeps the packet filter of every running task's
// ENI (and every EC2 instance's) in step with EC2's security groups. EC2 calls Changed() on the state
// thread after anything that may change a filter (rules authorized or
// revoked, a group deleted, an interface made or deleted: membership); the
// recomputation is posted to the state thread once for any number of
// changes in a row, computes each task's effective rules (EC2's
// SecurityFilterOf for the groups of its interface) and hands those that
// changed to the runtime (TaskDriver::SetSecurityFilter), which applies
// them off the state thread. The load balancers' filters are computed with
// ELBv2's plan: the recompute hook hands a new plan to their data plane.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/task_driver.h"
#include "services/ec2/ec2_service.h"
#include "services/ecs/ecs_service.h"

namespace fargo::cli {

class SecurityGroupPublisher : public std::enable_shared_from_this<SecurityGroupPublisher> {
 public:
  using Post = std::function<void(std::function<void()>)>;  // onto the state thread
  SecurityGroupPublisher(const services::Ec2Service& ec2, const services::EcsService& ecs,
                         runtime::TaskDriver& driver, Post post)
      : ec2_(ec2), ecs_(ecs), driver_(driver), post_(std::move(post)) {}

  // REQUIRES: on the state thread; owned by a shared_ptr (the posted
  // recomputation keeps it alive).
  void Changed();
  // Computes every task's filter now and hands over those that changed,
  // then runs the recompute hook (load balancers' filters follow).
  // REQUIRES: on the state thread.
  void Recompute();
  // Run on the state thread after each recomputation.
  void SetRecomputeHook(std::function<void()> hook) { after_ = std::move(hook); }

 private:
  const services::Ec2Service& ec2_;
  const services::EcsService& ecs_;
  runtime::TaskDriver& driver_;
  Post post_;
  std::function<void()> after_;
  bool pending_ = false;                                // state thread only
  std::map<std::string, runtime::SecurityFilter> sent_;  // by task ARN: the last handed over
};

}  // namespace fargo::cli
