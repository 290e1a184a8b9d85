#include "dataplane/lb/load_balancer_data_plane.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <set>

namespace fargo::dataplane::lb {

LoadBalancerDataPlane::LoadBalancerDataPlane(Hooks hooks) : hooks_(std::move(hooks)) {}

LoadBalancerDataPlane::~LoadBalancerDataPlane() { Stop(); }

void LoadBalancerDataPlane::Apply(services::elbv2::DataPlanePlan plan) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  pending_ = std::move(plan);
  if (scheduled_) return;
  scheduled_ = true;
  boost::asio::post(worker_, [this] { Work(); });
}

void LoadBalancerDataPlane::Work() {
  services::elbv2::DataPlanePlan plan;
  {
    std::lock_guard<std::mutex> l(mu_);
    scheduled_ = false;
    if (stopped_ || !pending_) return;
    plan = std::move(*pending_);
    pending_.reset();
  }
  std::map<std::string, std::shared_ptr<VpcPlan>> by_vpc;
  std::map<std::string, std::vector<std::string>> want_addresses;
  std::map<std::string, std::vector<runtime::BalancerFilter>> want_filters;
  std::vector<Endpoint> endpoints;
  std::map<std::string, const services::elbv2::TargetGroupPlan*> groups;
  for (const auto& g : plan.target_groups) groups[g.region + "/" + g.arn] = &g;
  for (const auto& lb : plan.load_balancers) {
    if (lb.vpc_id.empty() || lb.addresses.empty()) continue;
    auto& vp = by_vpc[lb.vpc_id];
    if (!vp) vp = std::make_shared<VpcPlan>();
    vp->load_balancers.push_back(lb);
    for (const auto& a : lb.addresses) want_addresses[lb.vpc_id].push_back(a);
    auto& filters = want_filters[lb.vpc_id];
    if (!lb.security_groups.empty()) filters.push_back(runtime::BalancerFilter{lb.addresses, lb.filter});
    for (const auto& li : lb.listeners) {
      for (const auto& a : lb.addresses) endpoints.push_back(Endpoint{lb.name, lb.vpc_id, a, li.port});
      for (const auto& arn : services::elbv2::ForwardedTargetGroups(li)) {
        auto g = groups.find(lb.region + "/" + arn);
        if (g == groups.end()) continue;
        bool have = false;
        for (const auto& x : vp->target_groups) have |= x.arn == g->second->arn;
        if (!have) vp->target_groups.push_back(*g->second);
      }
    }
  }
  // VPCs no longer served: their filters lifted, balancers stopped,
  // addresses removed.
  for (auto it = filters_.begin(); it != filters_.end();) {
    if (by_vpc.count(it->first)) {
      ++it;
      continue;
    }
    if (hooks_.filter && !it->second.empty()) (void)hooks_.filter(it->first, {});
    it = filters_.erase(it);
  }
  for (auto it = vpcs_.begin(); it != vpcs_.end();) {
    if (by_vpc.count(it->first)) {
      ++it;
      continue;
    }
    it->second->Stop();
    if (hooks_.prepare) (void)hooks_.prepare(it->first, {});
    addresses_.erase(it->first);
    it = vpcs_.erase(it);
  }
  for (auto& [vpc, vp] : by_vpc) {
    auto& want = want_addresses[vpc];
    if (hooks_.prepare && addresses_[vpc] != want) {
      Status s = hooks_.prepare(vpc, want);
      if (!s.ok()) {
        std::fprintf(stderr, "fargo: load balancers of %s: %s\n", vpc.c_str(), s.error().message.c_str());
        continue;
      }
      addresses_[vpc] = want;
    }
    // Filtered before any listener opens; retried with the next plan when
    // it fails (the listeners stay as they were).
    auto& filters = want_filters[vpc];
    auto had = filters_.find(vpc);
    if (hooks_.filter && (had == filters_.end() ? !filters.empty() : had->second != filters)) {
      Status s = hooks_.filter(vpc, filters);
      if (!s.ok()) {
        std::fprintf(stderr, "fargo: security groups of the load balancers of %s: %s\n", vpc.c_str(),
                     s.error().message.c_str());
        filters_.erase(vpc);
        continue;
      }
      filters_[vpc] = filters;
    }
    auto& bal = vpcs_[vpc];
    if (!bal) {
      auto fd = hooks_.open_netns ? hooks_.open_netns(vpc) : Result<int>(-1);
      if (!fd.ok()) {
        std::fprintf(stderr, "fargo: load balancers of %s: %s\n", vpc.c_str(), fd.error().message.c_str());
        vpcs_.erase(vpc);
        continue;
      }
      auto b = std::make_unique<VpcBalancer>(vpc, hooks_.report);
      if (Status s = b->Start(*fd); !s.ok()) {
        std::fprintf(stderr, "fargo: load balancers of %s: %s\n", vpc.c_str(), s.error().message.c_str());
        vpcs_.erase(vpc);
        continue;
      }
      bal = std::move(b);
    }
    bal->Apply(vp);
  }
  std::lock_guard<std::mutex> l(mu_);
  endpoints_ = std::move(endpoints);
}

void LoadBalancerDataPlane::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    pending_.reset();
  }
  worker_.join();  // work under way ends
  for (auto& [vpc, b] : vpcs_) b->Stop();
  vpcs_.clear();
}

std::vector<LoadBalancerDataPlane::Endpoint> LoadBalancerDataPlane::Endpoints() const {
  std::lock_guard<std::mutex> l(mu_);
  return endpoints_;
}

}  // namespace fargo::dataplane::lb
