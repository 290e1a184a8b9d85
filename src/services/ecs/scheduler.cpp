#include "services/ecs/scheduler.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/deployment.h"
#include "services/ecs/service.h"

namespace fargo::services::ecs {

namespace {

// A task that stops within this long after reaching RUNNING "died quickly".
constexpr double kQuickDeathSeconds = 10;
// Launch back-off, doubling from 1 s. Tasks that never reach RUNNING are
// throttled as AWS's service throttle logic does, "incrementally increased up
// to a maximum of 27 minutes" (Amazon ECS Developer Guide, "Amazon ECS service
// throttle logic"); AWS does not throttle tasks that die after RUNNING, but
// fargo still spaces such a crash loop out, by at most 30 s.
constexpr double kBackoffFirstSeconds = 1;
constexpr double kThrottleMaxSeconds = 27 * 60;
constexpr double kCrashLoopMaxSeconds = 30;
// Consecutive failures after which the service says it cannot start tasks.
constexpr int64_t kUnstableStreak = 3;

struct LiveTask {
  std::string key;
  std::string id;
  std::string deployment;
  bool running = false;
  double created = 0;
};

std::string TaskIdOfKey(const std::string& key) { return key.substr(key.rfind('/') + 1); }

std::string TaskList(const std::vector<std::string>& ids) {
  std::string out;
  for (auto& id : ids) out += (out.empty() ? "" : " ") + std::string("(task ") + id + ")";
  return out;
}

}  // namespace

void Scheduler::CountTasks(const std::string& region, Service& svc) {
  const std::string& name = svc.service_name;
  std::string cluster_name = ClusterNameOf(svc.cluster_arn);
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // deployment -> running, pending
  int64_t live = 0;
  st_.tasks.ForEachPrefix(store::Collection::Key(region, cluster_name + "/"), [&](const std::string&, const Task& t) {
    if (t.service != name || t.stopped()) return;
    ++live;
    auto& c = counts[t.started_by];
    if (t.last_status == TaskStatus::kRunning) ++c.first;
    else if (t.last_status < TaskStatus::kRunning && t.desired_status == DesiredStatus::kRunning) ++c.second;
  });
  svc.task_counts.clear();
  for (const Deployment& d : svc.deployments) {
    auto& c = counts[d.id];
    ReportTasks(svc, d.id, c.first, c.second, d.failed_tasks);
  }
  svc.live_tasks = live;
}

void Scheduler::NoteTaskStopped(const Task& task) {
  const std::string& service = task.service;
  if (service.empty()) return;
  std::string key = TaskKeyOfArn(task.task_arn);
  std::string region = key.substr(0, key.find('/'));
  std::string skey = ServiceKey(region, ClusterNameOf(task.cluster_arn), service);
  const json::object* cur = st_.services.Find(skey);
  if (!cur) return;
  if (task.stop_code == StopCode::kServiceSchedulerInitiated || task.stop_code == StopCode::kUserInitiated)
    return;  // asked for, not a failure
  auto parsed = ServiceFromStored(*cur);
  if (!parsed.ok()) return;
  Service svc = std::move(parsed.value());
  double now = st_.env.clock.NowSeconds();
  if (Deployment* dep = svc.deployment(task.started_by)) {
    ++dep->failed_tasks;
    dep->updated_at = now;
  }
  bool reached = task.running_since.has_value();
  double ran = reached ? task.stopped_at.value_or(0) - *task.running_since : -1;
  if (!reached || ran < kQuickDeathSeconds) {
    int64_t streak = ++svc.fail_streak;
    double cap = reached ? kCrashLoopMaxSeconds : kThrottleMaxSeconds;
    double delay = std::min(cap, kBackoffFirstSeconds * std::pow(2.0, static_cast<double>(std::min<int64_t>(streak, 20) - 1)));
    svc.next_launch_at = now + delay;
    if (streak == kUnstableStreak)
      AddEvent(svc, st_.env.ids, now,
               "(service " + service + ") is unable to consistently start tasks successfully. For more information, "
               "see the Troubleshooting section of the Amazon ECS Developer Guide.");
  } else {
    svc.fail_streak = 0;
    svc.next_launch_at.reset();
  }
  (void)st_.services.Put(skey, ToStored(svc));
}

void Scheduler::ScheduleAll() {
  std::vector<std::string> keys;
  for (auto& [key, doc] : st_.services.all())
    if (auto s = ServiceFromStored(doc); s.ok() && s->status != ServiceStatus::kInactive) keys.push_back(key);
  for (auto& key : keys) Schedule(key);
}

void Scheduler::Schedule(const std::string& key) {
  reschedule_.insert(key);
  if (scheduling_) return;
  scheduling_ = true;
  for (int rounds = 0; !reschedule_.empty() && rounds < 32; ++rounds) {
    std::string next = *reschedule_.begin();
    reschedule_.erase(reschedule_.begin());
    ScheduleOne(next);
  }
  reschedule_.clear();
  scheduling_ = false;
}

void Scheduler::ScheduleOne(const std::string& key) {
  const json::object* cur = st_.services.Find(key);
  if (!cur) return;
  auto parsed = ServiceFromStored(*cur);
  if (!parsed.ok() || parsed->status == ServiceStatus::kInactive) return;
  Service svc = std::move(parsed.value());
  bool active = svc.status == ServiceStatus::kActive;
  std::string region = key.substr(0, key.find('/'));
  std::string name = svc.service_name;
  std::string cluster_name = ClusterNameOf(svc.cluster_arn);
  double now = st_.env.clock.NowSeconds();

  // 1. The circuit breaker of the PRIMARY deployment.
  if (Deployment* primary = svc.primary(); primary && active) {
    const json::object* dc = GetObject(svc.config, "deploymentConfiguration");
    const json::object* cb = dc ? GetObject(*dc, "deploymentCircuitBreaker") : nullptr;
    if (cb && GetBool(*cb, "enable") && primary->rollout_state == RolloutState::kInProgress) {
      int64_t desired = primary->desired_count;
      int64_t threshold = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(0.5 * static_cast<double>(desired))), 3, 200);
      if (primary->failed_tasks >= threshold) {
        std::string id = primary->id;
        primary->rollout_state = RolloutState::kFailed;
        primary->rollout_state_reason = "ECS deployment circuit breaker: tasks failed to start.";
        primary->updated_at = now;
        AddEvent(svc, st_.env.ids, now,
                 "(service " + name + ") (deployment " + id + ") deployment failed: tasks failed to start.");
        std::string last = svc.last_completed_task_definition;
        if (GetBool(*cb, "rollback") && !last.empty()) {
          svc.task_definition = last;
          BeginDeployment(svc, st_.env.ids, now);
          Deployment* back = svc.primary();
          std::string back_id = back->id;
          back->rollout_state_reason = "ECS deployment circuit breaker: rolling back to deploymentId " + back_id + ".";
          AddEvent(svc, st_.env.ids, now, "(service " + name + ") rolling back to deployment " + back_id + ".");
          svc.fail_streak = 0;
          svc.next_launch_at.reset();
        }
        (void)st_.services.Put(key, ToStored(svc));
      }
    }
  }

  // 2. The tasks: what runs, what must stop, what must start.
  std::vector<LiveTask> primary_tasks, old_tasks;
  const Deployment* primary = svc.primary();
  std::string primary_id = primary ? primary->id : "";
  bool long_runner = false;
  std::vector<std::string> unhealthy;  // keys of RUNNING tasks whose essential containers failed health checks
  // Behind load balancers: each RUNNING task's address is registered in the
  // target groups; it counts as running for a deployment once its targets
  // are healthy, and one unhealthy past the grace period is replaced.
  const Tasks::TargetHooks& th = tasks_.target_hooks();
  double grace = static_cast<double>(GetInt(svc.config, "healthCheckGracePeriodSeconds", 0));
  std::vector<std::pair<std::string, std::string>> elb_unhealthy;  // task key, target group
  std::vector<std::tuple<std::string, std::string, int64_t>> to_register;  // target group, ip, port
  st_.tasks.ForEachPrefix(store::Collection::Key(region, cluster_name + "/"), [&](const std::string& k, const Task& t) {
    if (t.service != name) return;
    if (t.stopped() || t.desired_status != DesiredStatus::kRunning) return;
    if (t.last_status == TaskStatus::kRunning && t.health_status == HealthStatus::kUnhealthy) {
      unhealthy.push_back(k);
      return;
    }
    bool in_service = true;
    if (t.last_status == TaskStatus::kRunning && th.state && !t.attachment.private_ip.empty()) {
      for (const auto& [tg, port] : tasks_.TargetsOf(t)) {
        std::string state = th.state(region, tg, t.attachment.private_ip, port);
        if (state.empty()) to_register.emplace_back(tg, t.attachment.private_ip, port);
        if (state != "healthy" && state != "unused") in_service = false;
        if (state == "unhealthy" && now - t.running_since.value_or(now) >= grace) {
          elb_unhealthy.emplace_back(k, tg);
          return;
        }
      }
    }
    LiveTask lt{k, TaskIdOfKey(k), t.started_by, t.last_status == TaskStatus::kRunning && in_service, t.created_at};
    if (lt.running && now - t.running_since.value_or(0) >= kQuickDeathSeconds) long_runner = true;
    (lt.deployment == primary_id && active ? primary_tasks : old_tasks).push_back(std::move(lt));
  });
  for (const auto& [tg, ip, port] : to_register)
    if (th.register_target) (void)th.register_target(region, tg, ip, port);
  for (const auto& [k, tg] : elb_unhealthy) {
    if (tasks_.StopTask(k, StopCode::kServiceSchedulerInitiated, "Task failed ELB health checks in (target-group " + tg + ")").ok()) {
      AddEvent(svc, st_.env.ids, now,
               "(service " + name + ") (task " + TaskIdOfKey(k) + ") failed ELB health checks in (target-group " + tg + ").");
      (void)st_.services.Put(key, ToStored(svc));
    }
  }
  // A service replaces the tasks that fail their health checks.
  for (const auto& k : unhealthy) {
    if (tasks_.StopTask(k, StopCode::kServiceSchedulerInitiated, "Task failed container health checks").ok()) {
      AddEvent(svc, st_.env.ids, now, "(service " + name + ") (task " + TaskIdOfKey(k) + ") failed container health checks.");
      (void)st_.services.Put(key, ToStored(svc));
    }
  }
  if (long_runner && svc.fail_streak > 0) {
    svc.fail_streak = 0;
    svc.next_launch_at.reset();
    (void)st_.services.Put(key, ToStored(svc));
  }

  std::vector<std::string> stopped, started;
  auto stop = [&](const LiveTask& t) {
    std::string by = t.deployment.empty() ? primary_id : t.deployment;
    if (tasks_.StopTask(t.key, StopCode::kServiceSchedulerInitiated, "Scaling activity initiated by (deployment " + by + ")").ok())
      stopped.push_back(t.id);
  };
  // Not yet running first, then the newest.
  auto stop_order = [](std::vector<LiveTask>& v) {
    std::sort(v.begin(), v.end(), [](const LiveTask& a, const LiveTask& b) {
      if (a.running != b.running) return !a.running;
      return a.created > b.created;
    });
  };

  if (!active || !primary) {
    for (auto& t : old_tasks) stop(t);
  } else {
    int64_t desired = primary->desired_count;
    const json::object* dc = GetObject(svc.config, "deploymentConfiguration");
    int64_t min_pct = dc ? GetInt(*dc, "minimumHealthyPercent", 100) : 100;
    int64_t max_pct = dc ? GetInt(*dc, "maximumPercent", 200) : 200;
    int64_t min_healthy = static_cast<int64_t>(std::ceil(static_cast<double>(desired * min_pct) / 100.0));
    int64_t max_tasks = static_cast<int64_t>(std::floor(static_cast<double>(desired * max_pct) / 100.0));
    if (desired > 0) max_tasks = std::max<int64_t>(max_tasks, 1);

    // Scale in.
    stop_order(primary_tasks);
    while (static_cast<int64_t>(primary_tasks.size()) > desired) {
      stop(primary_tasks.front());
      primary_tasks.erase(primary_tasks.begin());
    }
    // Old deployments drain while enough tasks stay RUNNING.
    int64_t running = 0;
    for (auto& t : primary_tasks) running += t.running;
    for (auto& t : old_tasks) running += t.running;
    stop_order(old_tasks);
    std::vector<LiveTask> kept;
    for (auto& t : old_tasks) {
      if (!t.running) {
        stop(t);
      } else if (running - 1 >= min_healthy) {
        stop(t);
        --running;
      } else {
        kept.push_back(t);
      }
    }
    // Launch up to the maximum.
    int64_t live = static_cast<int64_t>(primary_tasks.size() + kept.size());
    int64_t n = std::min(desired - static_cast<int64_t>(primary_tasks.size()), max_tasks - live);
    const json::object* td = taskdefs_.Find(region, primary->task_definition);
    const json::object* cluster = st_.clusters.Find(store::Collection::Key(region, cluster_name));
    const json::object& pc = primary->config;
    bool fargate = GetString(pc, "launchType") == "FARGATE" || Has(pc, "capacityProviderStrategy");
    if (n > 0 && td && cluster && fargate) {
      Tasks::Launch l;
      l.region = region;
      auto arn = ParseResourceArn(svc.service_arn);
      l.account = arn ? arn->account : st_.env.account;
      l.cluster = cluster;
      l.task_definition = td;
      if (const json::object* nc = GetObject(pc, "networkConfiguration"))
        if (const json::object* vpc = GetObject(*nc, "awsvpcConfiguration")) {
          l.subnets = StringsOf(GetArray(*vpc, "subnets"));
          l.security_groups = StringsOf(GetArray(*vpc, "securityGroups"));
          l.public_ip = GetString(*vpc, "assignPublicIp") == "ENABLED";
        }
      if (const json::array* cps = GetArray(pc, "capacityProviderStrategy"); cps && !cps->empty())
        l.capacity_provider = GetString((*cps)[0].as_object(), "capacityProvider");
      l.started_by = primary_id;
      l.group = "service:" + name;
      std::string propagate = GetString(svc.config, "propagateTags", "NONE");
      if (propagate == "SERVICE") {
        if (const json::array* t = GetArray(svc.config, "tags")) l.tags = *t;
      } else if (propagate == "TASK_DEFINITION") {
        if (const json::array* t = GetArray(*td, "_tags")) l.tags = *t;
      }
      l.enable_execute_command = GetBool(svc.config, "enableExecuteCommand");
      l.service_name = name;
      for (int64_t i = 0; i < n; ++i) {
        const json::object* fresh = st_.services.Find(key);
        if (!fresh) break;
        if (auto f = ServiceFromStored(*fresh); !f.ok() || now < f->next_launch_at.value_or(0)) break;
        auto made = tasks_.LaunchTask(l);
        if (!made.ok()) break;
        if (!made.value()->stopped()) started.push_back(made.value()->id());
      }
    }
  }

  // 3. Events, counts and the deployments' states.
  cur = st_.services.Find(key);
  if (!cur) return;
  parsed = ServiceFromStored(*cur);
  if (!parsed.ok()) return;
  svc = std::move(parsed.value());
  if (!started.empty())
    AddEvent(svc, st_.env.ids, now,
             "(service " + name + ") has started " + std::to_string(started.size()) + " tasks: " + TaskList(started) + ".");
  if (!stopped.empty())
    AddEvent(svc, st_.env.ids, now,
             "(service " + name + ") has stopped " + std::to_string(stopped.size()) + " running tasks: " +
                 TaskList(stopped) + ".");
  CountTasks(region, svc);
  AdvanceService(svc, now, st_.env.ids);
  if (const Deployment* p = svc.primary(); p && p->rollout_state == RolloutState::kCompleted)
    svc.last_completed_task_definition = p->task_definition;
  if (json::object stored = ToStored(svc); json::value(stored) != json::value(*cur))
    (void)st_.services.Put(key, std::move(stored));
}

}  // namespace fargo::services::ecs
