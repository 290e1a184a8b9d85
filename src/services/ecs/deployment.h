// Deployments: the life cycle of an ECS service document — deployments,
// task counts, rollout states, events and DRAINING -> INACTIVE. Pure functions over the
// stored document (a Service as DescribeServices returns it, plus internal
// members whose names start with '_'), so the state machine is testable
// without a server.
//
// Task counts come from the stored tasks through ReportTasks() (the
// scheduler counts every deployment's tasks); a deployment nothing was
// counted for has 0 running and desiredCount pending tasks. A DRAINING
// service becomes INACTIVE once "_liveTasks" (tasks not yet STOPPED) is 0.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/clock.h"

namespace fargo::services::ecs {

namespace json = boost::json;

// How long a state holds before the next transition (rollout completion,
// removal of a drained deployment, DRAINING -> INACTIVE), in seconds.
inline constexpr double kSettleSeconds = 1.0;

// A new IN_PROGRESS deployment of the service's current task definition,
// desired count and network settings.
json::object NewDeployment(const json::object& svc, const std::string& id, double now);

// Starts a new deployment of the service's current configuration (a fresh
// deployment id from `ids`): NewDeployment + StartDeployment.
void BeginDeployment(json::object& svc, IdGenerator& ids, double now);

// Makes `dep` the PRIMARY deployment; the previous PRIMARY (and any other)
// becomes ACTIVE and is scaled to 0.
void StartDeployment(json::object& svc, json::object dep);

// Adds a service event (newest first; at most 100 kept).
void AddEvent(json::object& svc, IdGenerator& ids, double now, const std::string& message);

// Records the task counts of one deployment.
void ReportTasks(json::object& svc, const std::string& deployment_id, int64_t running, int64_t pending,
                 int64_t failed);

// Moves the service forward to time `now`. Returns true when the document changed.
bool AdvanceService(json::object& svc, double now, IdGenerator& ids);

// The PRIMARY deployment, or null.
json::object* PrimaryDeployment(json::object& svc);

}  // namespace fargo::services::ecs
