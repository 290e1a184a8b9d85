// Scheduler: the service scheduler. Keeps desiredCount tasks of each ACTIVE
// service's PRIMARY deployment running, replaces tasks that stop (backing
// off while they keep failing), rolls deployments within the
// deploymentConfiguration's minimum healthy and maximum percent, trips the
// deployment circuit breaker, and drains deleted services. The life cycle
// of a Service it moves is in deployment.h.
#pragma once

#include <set>
#include <string>

#include "services/ecs/ecs_state.h"
#include "services/ecs/service.h"
#include "services/ecs/task_definitions.h"
#include "services/ecs/tasks.h"

namespace fargo::services::ecs {

class Scheduler {
 public:
  Scheduler(EcsState& state, const TaskDefinitions& taskdefs, Tasks& tasks)
      : st_(state), taskdefs_(taskdefs), tasks_(tasks) {}

  // Brings one service's tasks towards its deployments, and its counts up to
  // date. Re-entrant calls (a stop that completes at once) are queued.
  void Schedule(const std::string& service_key);
  // Every service that is not INACTIVE (once a second).
  void ScheduleAll();
  // A task of a service stopped: failure accounting and back-off.
  void NoteTaskStopped(const Task& task);

 private:
  void ScheduleOne(const std::string& key);
  // Recomputes the counts of every deployment of `svc` from the stored tasks.
  void CountTasks(const std::string& region, Service& svc);

  EcsState& st_;
  const TaskDefinitions& taskdefs_;
  Tasks& tasks_;
  bool scheduling_ = false;
  std::set<std::string> reschedule_;
};

}  // namespace fargo::services::ecs
