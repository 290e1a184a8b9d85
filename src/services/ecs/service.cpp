#include "services/ecs/service.h"

#include "services/ecs/ecs_util.h"
#include "services/service.h"

namespace fargo::services::ecs {

namespace {

// Service members in the model's order (the order AWS answers them in).
const std::vector<std::string>& ServiceMemberOrder() {
  static const std::vector<std::string> order = {
      "serviceArn", "serviceName", "clusterArn", "loadBalancers", "serviceRegistries", "status",
      "desiredCount", "runningCount", "pendingCount", "launchType", "capacityProviderStrategy",
      "platformVersion", "platformFamily", "taskDefinition", "deploymentConfiguration", "taskSets",
      "deployments", "roleArn", "events", "createdAt", "placementConstraints", "placementStrategy",
      "networkConfiguration", "healthCheckGracePeriodSeconds", "schedulingStrategy", "deploymentController",
      "tags", "createdBy", "enableECSManagedTags", "propagateTags", "enableExecuteCommand",
      "availabilityZoneRebalancing"};
  return order;
}

// The members Service keeps typed (everything else is config).
bool Typed(std::string_view k) {
  for (const char* t : {"serviceArn", "serviceName", "clusterArn", "status", "desiredCount", "runningCount",
                        "pendingCount", "taskDefinition", "deployments", "events", "createdAt"})
    if (k == t) return true;
  return false;
}

json::object DeploymentDoc(const Deployment& d) {
  json::object o;
  o["id"] = d.id;
  o["status"] = Name(d.status);
  o["taskDefinition"] = d.task_definition;
  o["desiredCount"] = d.desired_count;
  o["pendingCount"] = d.pending_count;
  o["runningCount"] = d.running_count;
  o["failedTasks"] = d.failed_tasks;
  o["createdAt"] = d.created_at;
  o["updatedAt"] = d.updated_at;
  for (auto& [k, v] : d.config) o[k] = v;
  o["rolloutState"] = Name(d.rollout_state);
  o["rolloutStateReason"] = d.rollout_state_reason;
  return o;
}

Deployment DeploymentOf(const json::object& o) {
  Deployment d;
  d.id = GetString(o, "id");
  d.status = GetString(o, "status") == "PRIMARY" ? DeploymentStatus::kPrimary : DeploymentStatus::kActive;
  d.task_definition = GetString(o, "taskDefinition");
  d.desired_count = GetInt(o, "desiredCount");
  d.pending_count = GetInt(o, "pendingCount");
  d.running_count = GetInt(o, "runningCount");
  d.failed_tasks = GetInt(o, "failedTasks");
  d.created_at = NumberOf(o, "createdAt").value_or(0);
  d.updated_at = NumberOf(o, "updatedAt").value_or(0);
  for (const char* k : {"capacityProviderStrategy", "launchType", "platformVersion", "platformFamily",
                        "networkConfiguration"})
    if (auto* v = o.if_contains(k)) d.config[k] = *v;
  std::string rs = GetString(o, "rolloutState");
  d.rollout_state = rs == "COMPLETED" ? RolloutState::kCompleted
                    : rs == "FAILED"  ? RolloutState::kFailed
                                      : RolloutState::kInProgress;
  d.rollout_state_reason = GetString(o, "rolloutStateReason");
  return d;
}

// Every member of the Service, unfiltered.
json::object Members(const Service& s) {
  json::object o = s.config;
  o["serviceArn"] = s.service_arn;
  o["serviceName"] = s.service_name;
  o["clusterArn"] = s.cluster_arn;
  o["status"] = Name(s.status);
  o["desiredCount"] = s.desired_count;
  o["runningCount"] = s.running_count;
  o["pendingCount"] = s.pending_count;
  if (!s.task_definition.empty()) o["taskDefinition"] = s.task_definition;
  json::array deps;
  for (auto& d : s.deployments) deps.push_back(DeploymentDoc(d));
  o["deployments"] = std::move(deps);
  json::array events;
  for (auto& e : s.events)
    events.push_back(json::object{{"id", e.id}, {"createdAt", e.created_at}, {"message", e.message}});
  o["events"] = std::move(events);
  o["createdAt"] = s.created_at;
  return o;
}

}  // namespace

std::string_view Name(ServiceStatus s) {
  return s == ServiceStatus::kActive ? "ACTIVE" : s == ServiceStatus::kDraining ? "DRAINING" : "INACTIVE";
}
std::string_view Name(DeploymentStatus s) { return s == DeploymentStatus::kPrimary ? "PRIMARY" : "ACTIVE"; }
std::string_view Name(RolloutState s) {
  return s == RolloutState::kInProgress ? "IN_PROGRESS" : s == RolloutState::kCompleted ? "COMPLETED" : "FAILED";
}

Deployment* Service::primary() {
  for (auto& d : deployments)
    if (d.status == DeploymentStatus::kPrimary) return &d;
  return nullptr;
}
const Deployment* Service::primary() const { return const_cast<Service*>(this)->primary(); }
Deployment* Service::deployment(const std::string& id) {
  for (auto& d : deployments)
    if (d.id == id) return &d;
  return nullptr;
}

json::object EncodeService(const Service& s, bool tags) {
  json::object all = Members(s);
  json::object v;
  for (const auto& k : ServiceMemberOrder())
    if (auto* x = all.if_contains(k)) v[k] = *x;
  if (!tags) v.erase("tags");
  return v;
}

json::object ToStored(const Service& s) {
  json::object o = Members(s);
  if (!s.client_token.empty()) o["_clientToken"] = s.client_token;
  o["_steady"] = s.steady;
  if (s.fail_streak) o["_failStreak"] = s.fail_streak;
  if (s.next_launch_at) o["_nextLaunchAt"] = *s.next_launch_at;
  o["_liveTasks"] = s.live_tasks;
  if (s.draining_since) o["_drainingSince"] = *s.draining_since;
  if (!s.last_completed_task_definition.empty())
    o["_lastCompletedTaskDefinition"] = s.last_completed_task_definition;
  json::object counts;
  for (auto& [id, c] : s.task_counts)
    counts[id] = json::object{{"running", c.running}, {"pending", c.pending}, {"failed", c.failed}};
  o["_tasks"] = std::move(counts);
  return o;
}

Result<Service> ServiceFromStored(const json::object& o) {
  Service s;
  s.service_arn = GetString(o, "serviceArn");
  if (s.service_arn.empty()) return AwsError::Make("InternalFailure", "a stored service has no serviceArn");
  s.service_name = GetString(o, "serviceName");
  s.cluster_arn = GetString(o, "clusterArn");
  std::string st = GetString(o, "status");
  s.status = st == "DRAINING" ? ServiceStatus::kDraining : st == "INACTIVE" ? ServiceStatus::kInactive
                                                                            : ServiceStatus::kActive;
  s.desired_count = GetInt(o, "desiredCount");
  s.running_count = GetInt(o, "runningCount");
  s.pending_count = GetInt(o, "pendingCount");
  s.task_definition = GetString(o, "taskDefinition");
  if (const json::array* deps = GetArray(o, "deployments"))
    for (auto& d : *deps)
      if (d.is_object()) s.deployments.push_back(DeploymentOf(d.as_object()));
  if (const json::array* events = GetArray(o, "events"))
    for (auto& e : *events)
      if (e.is_object())
        s.events.push_back(
            {GetString(e.as_object(), "id"), NumberOf(e.as_object(), "createdAt").value_or(0), GetString(e.as_object(), "message")});
  s.created_at = NumberOf(o, "createdAt").value_or(0);
  for (auto& [k, v] : o)
    if (!k.starts_with("_") && !Typed(k)) s.config[k] = v;
  s.client_token = GetString(o, "_clientToken");
  s.steady = GetBool(o, "_steady");
  s.fail_streak = GetInt(o, "_failStreak");
  s.next_launch_at = NumberOf(o, "_nextLaunchAt");
  s.live_tasks = GetInt(o, "_liveTasks");
  s.draining_since = NumberOf(o, "_drainingSince");
  s.last_completed_task_definition = GetString(o, "_lastCompletedTaskDefinition");
  if (const json::object* counts = GetObject(o, "_tasks"))
    for (auto& [id, c] : *counts)
      if (c.is_object())
        s.task_counts[id] = {GetInt(c.as_object(), "running"), GetInt(c.as_object(), "pending"),
                             GetInt(c.as_object(), "failed")};
  return s;
}

}  // namespace fargo::services::ecs
