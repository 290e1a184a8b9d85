#include "services/ecs/deployment.h"

#include <algorithm>

#include "services/ecs/ecs_arn.h"

namespace fargo::services::ecs {
namespace {

int64_t Int(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<int64_t>() : 0;
}
double Num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<double>() : 0.0;
}
std::string Str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Sets o[k] = v, reporting whether it changed.
bool SetInt(json::object& o, std::string_view k, int64_t v) {
  auto* cur = o.if_contains(k);
  if (cur && cur->is_number() && cur->to_number<int64_t>() == v) return false;
  o[k] = v;
  return true;
}

json::array& Deployments(json::object& svc) {
  auto& v = svc["deployments"];
  if (!v.is_array()) v = json::array{};
  return v.as_array();
}

std::string ServiceName(const json::object& svc) { return Str(svc, "serviceName"); }

}  // namespace

json::object* PrimaryDeployment(json::object& svc) {
  for (auto& d : Deployments(svc))
    if (d.is_object() && Str(d.as_object(), "status") == "PRIMARY") return &d.as_object();
  return nullptr;
}

json::object NewDeployment(const json::object& svc, const std::string& id, double now) {
  json::object d;
  int64_t desired = Int(svc, "desiredCount");
  d["id"] = id;
  d["status"] = "PRIMARY";
  d["taskDefinition"] = Str(svc, "taskDefinition");
  d["desiredCount"] = desired;
  d["pendingCount"] = desired;
  d["runningCount"] = 0;
  d["failedTasks"] = 0;
  d["createdAt"] = now;
  d["updatedAt"] = now;
  if (auto* v = svc.if_contains("capacityProviderStrategy"); v && v->is_array() && !v->as_array().empty())
    d["capacityProviderStrategy"] = *v;
  if (auto* v = svc.if_contains("launchType")) d["launchType"] = *v;
  if (svc.contains("platformVersion")) {
    std::string pv = Str(svc, "platformVersion");
    d["platformVersion"] = pv == "LATEST" ? std::string("1.4.0") : pv;
  }
  if (auto* v = svc.if_contains("platformFamily")) d["platformFamily"] = *v;
  if (auto* v = svc.if_contains("networkConfiguration")) d["networkConfiguration"] = *v;
  d["rolloutState"] = "IN_PROGRESS";
  d["rolloutStateReason"] = "ECS deployment " + id + " in progress.";
  return d;
}

void StartDeployment(json::object& svc, json::object dep) {
  auto& deps = Deployments(svc);
  for (auto& d : deps) {
    auto& o = d.as_object();
    o["status"] = "ACTIVE";
    o["desiredCount"] = 0;
    o["updatedAt"] = dep["createdAt"];
  }
  svc["_steady"] = false;
  // A new deployment leaves the launch throttle, as on AWS.
  svc.erase("_failStreak");
  svc.erase("_nextLaunchAt");
  deps.insert(deps.begin(), std::move(dep));
}

void BeginDeployment(json::object& svc, IdGenerator& ids, double now) {
  StartDeployment(svc, NewDeployment(svc, DeploymentId(ids.Hex(16)), now));
}

void AddEvent(json::object& svc, IdGenerator& ids, double now, const std::string& message) {
  auto& v = svc["events"];
  if (!v.is_array()) v = json::array{};
  auto& events = v.as_array();
  events.insert(events.begin(), json::object{{"id", ids.Uuid()}, {"createdAt", now}, {"message", message}});
  while (events.size() > 100) events.pop_back();
}

void ReportTasks(json::object& svc, const std::string& deployment_id, int64_t running, int64_t pending,
                 int64_t failed) {
  auto& t = svc["_tasks"];
  if (!t.is_object()) t = json::object{};
  t.as_object()[deployment_id] = json::object{{"running", running}, {"pending", pending}, {"failed", failed}};
}

bool AdvanceService(json::object& svc, double now, IdGenerator& ids) {
  bool changed = false;
  auto& deps = Deployments(svc);
  json::object reported;
  if (auto* t = svc.if_contains("_tasks"); t && t->is_object()) reported = t->as_object();

  // Counts per deployment.
  for (auto& dv : deps) {
    auto& d = dv.as_object();
    int64_t desired = Int(d, "desiredCount");
    int64_t running = 0, pending = 0, failed = Int(d, "failedTasks");
    if (auto* r = reported.if_contains(Str(d, "id")); r && r->is_object()) {
      running = Int(r->as_object(), "running");
      pending = Int(r->as_object(), "pending");
      failed = Int(r->as_object(), "failed");
    } else {
      pending = std::max<int64_t>(0, desired - running);
    }
    bool c = SetInt(d, "runningCount", running) | SetInt(d, "pendingCount", pending) |
             SetInt(d, "failedTasks", failed);
    if (c) d["updatedAt"] = now;
    changed |= c;
  }

  json::object* primary = PrimaryDeployment(svc);
  double primary_created = primary ? Num(*primary, "createdAt") : 0;

  // Drained deployments (nothing running or pending) go away once the new one settled.
  for (size_t i = 0; i < deps.size();) {
    auto& d = deps[i].as_object();
    if (Str(d, "status") != "PRIMARY" && Int(d, "runningCount") == 0 && Int(d, "pendingCount") == 0 &&
        now - primary_created >= kSettleSeconds) {
      if (auto* t = svc.if_contains("_tasks"); t && t->is_object()) t->as_object().erase(Str(d, "id"));
      deps.erase(deps.begin() + static_cast<std::ptrdiff_t>(i));
      changed = true;
      continue;
    }
    ++i;
  }
  primary = PrimaryDeployment(svc);

  std::string status = Str(svc, "status");
  std::string name = ServiceName(svc);
  if (primary && status == "ACTIVE" && deps.size() == 1 && Str(*primary, "rolloutState") == "IN_PROGRESS" &&
      Int(*primary, "runningCount") == Int(*primary, "desiredCount") &&
      now - Num(*primary, "updatedAt") >= kSettleSeconds) {
    std::string id = Str(*primary, "id");
    (*primary)["rolloutState"] = "COMPLETED";
    (*primary)["rolloutStateReason"] = "ECS deployment " + id + " completed.";
    (*primary)["updatedAt"] = now;
    AddEvent(svc, ids, now, "(service " + name + ") (deployment " + id + ") deployment completed.");
    changed = true;
    primary = PrimaryDeployment(svc);
  }

  bool steady = primary && status == "ACTIVE" && deps.size() == 1 &&
                Str(*primary, "rolloutState") == "COMPLETED" &&
                Int(*primary, "runningCount") == Int(*primary, "desiredCount");
  auto* sv = svc.if_contains("_steady");
  bool was_steady = sv && sv->is_bool() && sv->as_bool();
  if (steady != was_steady) {
    svc["_steady"] = steady;
    if (steady) AddEvent(svc, ids, now, "(service " + name + ") has reached a steady state.");
    changed = true;
  }

  int64_t running = 0, pending = 0;
  for (auto& dv : Deployments(svc)) {
    running += Int(dv.as_object(), "runningCount");
    pending += Int(dv.as_object(), "pendingCount");
  }
  changed |= SetInt(svc, "runningCount", running);
  changed |= SetInt(svc, "pendingCount", pending);

  if (status == "DRAINING" && running == 0 && Int(svc, "_liveTasks") == 0 && now - Num(svc, "_drainingSince") >= kSettleSeconds) {
    svc["status"] = "INACTIVE";
    changed = true;
  }
  return changed;
}

}  // namespace fargo::services::ecs
