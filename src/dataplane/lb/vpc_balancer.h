// VpcBalancer: the load balancers of one VPC, on an event loop thread of
// their own that lives in the VPC's network namespace (setns moves only
// that thread; every socket it opens is inside the VPC: listeners at the
// load balancers' addresses, connections to targets, health checks).
//
//   Apply(plan)   what to serve, from any thread (posted to the loop):
//                 listeners open/close, target groups and targets change
//                 at once; established connections are kept.
//   listeners     one per (load balancer address, port). A Listener is the
//                 protocol seam: TcpListener relays bytes (NLB TCP),
//                 UdpListener datagrams; HttpListener (ALB HTTP) parses
//                 requests, routes them by the listener's rules and uses
//                 the same target groups, picker and health checks.
//   targets       per target group: each target's TargetHealth, driven by
//                 probes (TCP connect, HTTP GET with the matcher) started
//                 by a 250 ms tick when due; changes are reported through
//                 `report` (on the loop thread). New connections go to
//                 PickTarget's choice (flow hash, healthy only, fail-open).
//                 The target sees the load balancer's address as the
//                 source (AWS preserves the client's address for targets
//                 of type instance, or when the target group asks for it;
//                 fargo does not: the relay is a proxy).
//
// No blocking work on the loop. Stop() closes everything and joins.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "services/elbv2/elbv2_plan.h"

namespace fargo::dataplane::lb {

struct HealthReport {
  std::string region, target_group_arn, ip;
  uint16_t port = 0;
  std::string state, reason, description;
};

// The part of the plan that concerns one VPC.
struct VpcPlan {
  std::vector<services::elbv2::LoadBalancerPlan> load_balancers;
  std::vector<services::elbv2::TargetGroupPlan> target_groups;
};

class VpcBalancer {
 public:
  using Report = std::function<void(const HealthReport&)>;
  using Now = std::function<int64_t()>;  // milliseconds, monotonic

  VpcBalancer(std::string vpc_id, Report report, Now now = {});
  ~VpcBalancer();
  VpcBalancer(const VpcBalancer&) = delete;
  VpcBalancer& operator=(const VpcBalancer&) = delete;

  // Runs the loop on a thread inside the namespace `netns_fd` (taken).
  Status Start(int netns_fd);
  void Apply(std::shared_ptr<const VpcPlan> plan);
  // Closes listeners and connections; joins the thread.
  void Stop();

  // Listeners open and connections relayed now (for logs and benchmarks).
  struct Stats {
    size_t listeners = 0, connections = 0;
  };
  Stats stats() const { return {listeners_open_.load(), connections_.load()}; }

  struct Impl;

 private:
  std::string vpc_id_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<size_t> listeners_open_{0}, connections_{0};
};

}  // namespace fargo::dataplane::lb
