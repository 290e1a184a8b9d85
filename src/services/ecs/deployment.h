// Deployments: the life cycle of an ECS service — deployments, task counts,
// rollout states, events and DRAINING -> INACTIVE. Pure functions over a
// Service (service.h), so the state machine is testable without a server.
//
// Task counts come from the stored tasks through ReportTasks() (the
// scheduler counts every deployment's tasks); a deployment nothing was
// counted for has 0 running and desiredCount pending tasks. A DRAINING
// service becomes INACTIVE once live_tasks (tasks not yet STOPPED) is 0.
#pragma once

#include <string>

#include "common/clock.h"
#include "services/ecs/service.h"

namespace fargo::services::ecs {

// How long a state holds before the next transition (rollout completion,
// removal of a drained deployment, DRAINING -> INACTIVE), in seconds.
inline constexpr double kSettleSeconds = 1.0;

// A new IN_PROGRESS deployment of the service's current task definition,
// desired count and network settings.
Deployment NewDeployment(const Service& svc, const std::string& id, double now);

// Makes `dep` the PRIMARY deployment; the previous PRIMARY (and any other)
// becomes ACTIVE and is scaled to 0.
void StartDeployment(Service& svc, Deployment dep);

// Starts a new deployment of the service's current configuration (a fresh
// deployment id from `ids`): NewDeployment + StartDeployment.
void BeginDeployment(Service& svc, IdGenerator& ids, double now);

// Adds a service event (newest first; at most 100 kept).
void AddEvent(Service& svc, IdGenerator& ids, double now, const std::string& message);

// Records the task counts of one deployment.
void ReportTasks(Service& svc, const std::string& deployment_id, int64_t running, int64_t pending, int64_t failed);

// Moves the service forward to time `now`. Returns true when it changed.
bool AdvanceService(Service& svc, double now, IdGenerator& ids);

}  // namespace fargo::services::ecs
