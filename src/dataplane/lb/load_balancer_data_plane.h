// LoadBalancerDataPlane: the load balancers' traffic, VPC by VPC. Takes the
// plan ELBv2 builds on the state thread (Apply, any thread; only the last
// plan counts), readies each VPC on a worker thread of its own (blocking:
// the namespace and the load balancers' addresses, through `prepare`), and
// hands each VPC's share to its VpcBalancer (an event loop thread inside
// the VPC's namespace). A VPC left with no load balancer is stopped and its
// addresses removed. The load balancers' security groups are enforced in
// the namespace (`filter`) before their listeners open and after each
// change of their rules or members. Health changes come back through `report` (called on
// a balancer's thread: post it to the state thread).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dataplane/lb/vpc_balancer.h"
#include "runtime/security_filter.h"
#include "services/elbv2/elbv2_plan.h"

namespace fargo::dataplane::lb {

class LoadBalancerDataPlane {
 public:
  struct Hooks {
    // Makes the VPC's namespace if needed and gives it exactly `addresses`
    // as local addresses (none: take them all away). Blocking.
    std::function<Status(const std::string& vpc_id, const std::vector<std::string>& addresses)> prepare;
    // An open descriptor of the VPC's namespace (the caller closes nothing).
    std::function<Result<int>(const std::string& vpc_id)> open_netns;
    // Enforces the security groups of the VPC's load balancers that have
    // any (none: lift all filtering). Blocking. Called before listeners
    // open, again whenever the filters change.
    std::function<Status(const std::string& vpc_id, const std::vector<runtime::BalancerFilter>& lbs)> filter;
    VpcBalancer::Report report;
  };
  explicit LoadBalancerDataPlane(Hooks hooks);
  ~LoadBalancerDataPlane();  // Stop()

  void Apply(services::elbv2::DataPlanePlan plan);
  // Stops every VPC's balancer (connections close) and removes nothing of
  // the namespaces: a restarted fargo takes them up again.
  void Stop();

  // Where each listener answers, as last applied: "vpc-id address:port" per
  // load balancer name.
  struct Endpoint {
    std::string load_balancer, vpc_id, address;
    uint16_t port = 0;
  };
  std::vector<Endpoint> Endpoints() const;

 private:
  void Work();

  Hooks hooks_;
  boost::asio::thread_pool worker_{1};
  mutable std::mutex mu_;
  std::optional<services::elbv2::DataPlanePlan> pending_;  // GUARDED_BY(mu_)
  bool scheduled_ = false;                                 // GUARDED_BY(mu_)
  bool stopped_ = false;                                   // GUARDED_BY(mu_)
  std::vector<Endpoint> endpoints_;                        // GUARDED_BY(mu_)
  // Worker thread only.
  std::map<std::string, std::unique_ptr<VpcBalancer>> vpcs_;
  std::map<std::string, std::vector<std::string>> addresses_;
  std::map<std::string, std::vector<runtime::BalancerFilter>> filters_;  // as applied
};

}  // namespace fargo::dataplane::lb
