#include "services/ecs/deployment.h"

#include <algorithm>

#include "services/ecs/ecs_arn.h"

namespace fargo::services::ecs {
namespace {

// Sets `field` = v, reporting whether it changed.
bool Set(int64_t& field, int64_t v) {
  if (field == v) return false;
  field = v;
  return true;
}

}  // namespace

Deployment NewDeployment(const Service& svc, const std::string& id, double now) {
  Deployment d;
  d.id = id;
  d.status = DeploymentStatus::kPrimary;
  d.task_definition = svc.task_definition;
  d.desired_count = svc.desired_count;
  d.pending_count = svc.desired_count;
  d.created_at = d.updated_at = now;
  const json::object& c = svc.config;
  if (auto* v = c.if_contains("capacityProviderStrategy"); v && v->is_array() && !v->as_array().empty())
    d.config["capacityProviderStrategy"] = *v;
  if (auto* v = c.if_contains("launchType")) d.config["launchType"] = *v;
  if (auto* v = c.if_contains("platformVersion")) {
    std::string pv = v->is_string() ? std::string(v->as_string()) : "";
    d.config["platformVersion"] = pv == "LATEST" ? std::string("1.4.0") : pv;
  }
  if (auto* v = c.if_contains("platformFamily")) d.config["platformFamily"] = *v;
  if (auto* v = c.if_contains("networkConfiguration")) d.config["networkConfiguration"] = *v;
  d.rollout_state = RolloutState::kInProgress;
  d.rollout_state_reason = "ECS deployment " + id + " in progress.";
  return d;
}

void StartDeployment(Service& svc, Deployment dep) {
  for (auto& d : svc.deployments) {
    d.status = DeploymentStatus::kActive;
    d.desired_count = 0;
    d.updated_at = dep.created_at;
  }
  svc.steady = false;
  // A new deployment leaves the launch throttle, as on AWS.
  svc.fail_streak = 0;
  svc.next_launch_at.reset();
  svc.deployments.insert(svc.deployments.begin(), std::move(dep));
}

void BeginDeployment(Service& svc, IdGenerator& ids, double now) {
  StartDeployment(svc, NewDeployment(svc, DeploymentId(ids.Hex(16)), now));
}

void AddEvent(Service& svc, IdGenerator& ids, double now, const std::string& message) {
  svc.events.insert(svc.events.begin(), ServiceEvent{ids.Uuid(), now, message});
  while (svc.events.size() > 100) svc.events.pop_back();
}

void ReportTasks(Service& svc, const std::string& deployment_id, int64_t running, int64_t pending, int64_t failed) {
  svc.task_counts[deployment_id] = DeploymentCounts{running, pending, failed};
}

bool AdvanceService(Service& svc, double now, IdGenerator& ids) {
  bool changed = false;

  // Counts per deployment.
  for (auto& d : svc.deployments) {
    int64_t running = 0, pending = 0, failed = d.failed_tasks;
    if (auto it = svc.task_counts.find(d.id); it != svc.task_counts.end()) {
      running = it->second.running;
      pending = it->second.pending;
      failed = it->second.failed;
    } else {
      pending = std::max<int64_t>(0, d.desired_count - running);
    }
    bool c = Set(d.running_count, running) | Set(d.pending_count, pending) | Set(d.failed_tasks, failed);
    if (c) d.updated_at = now;
    changed |= c;
  }

  const Deployment* primary = svc.primary();
  double primary_created = primary ? primary->created_at : 0;

  // Drained deployments (nothing running or pending) go away once the new one settled.
  for (size_t i = 0; i < svc.deployments.size();) {
    const Deployment& d = svc.deployments[i];
    if (d.status != DeploymentStatus::kPrimary && d.running_count == 0 && d.pending_count == 0 &&
        now - primary_created >= kSettleSeconds) {
      svc.task_counts.erase(d.id);
      svc.deployments.erase(svc.deployments.begin() + static_cast<std::ptrdiff_t>(i));
      changed = true;
      continue;
    }
    ++i;
  }

  bool active = svc.status == ServiceStatus::kActive;
  const std::string& name = svc.service_name;
  if (Deployment* p = svc.primary(); p && active && svc.deployments.size() == 1 &&
                                      p->rollout_state == RolloutState::kInProgress &&
                                      p->running_count == p->desired_count && now - p->updated_at >= kSettleSeconds) {
    p->rollout_state = RolloutState::kCompleted;
    p->rollout_state_reason = "ECS deployment " + p->id + " completed.";
    p->updated_at = now;
    std::string id = p->id;
    AddEvent(svc, ids, now, "(service " + name + ") (deployment " + id + ") deployment completed.");
    changed = true;
  }

  primary = svc.primary();
  bool steady = primary && active && svc.deployments.size() == 1 &&
                primary->rollout_state == RolloutState::kCompleted &&
                primary->running_count == primary->desired_count;
  if (steady != svc.steady) {
    svc.steady = steady;
    if (steady) AddEvent(svc, ids, now, "(service " + name + ") has reached a steady state.");
    changed = true;
  }

  int64_t running = 0, pending = 0;
  for (auto& d : svc.deployments) {
    running += d.running_count;
    pending += d.pending_count;
  }
  changed |= Set(svc.running_count, running);
  changed |= Set(svc.pending_count, pending);

  if (svc.status == ServiceStatus::kDraining && running == 0 && svc.live_tasks == 0 &&
      now - svc.draining_since.value_or(0) >= kSettleSeconds) {
    svc.status = ServiceStatus::kInactive;
    changed = true;
  }
  return changed;
}

}  // namespace fargo::services::ecs
