// TaskPlan and TaskReport: the contract between the ECS control plane and the
// task runtime.
//
// ECS turns a task (task definition + overrides + network configuration) into
// a TaskPlan: everything the runtime needs, in engine terms, with nothing left
// to look up. The runtime runs it and answers with TaskReports: complete
// snapshots of what it observed (never deltas), so applying the same report
// twice is harmless and the newest one always wins.
//
// Both are plain data with a JSON form (ToJson/FromJson) so ECS can keep the
// plan of every live task in its store and hand it back to a restarted runtime
// (TaskRunner::Adopt).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/log_event.h"

#include "common/result.h"
#include "runtime/task_spec.h"

namespace fargo::runtime {

// A container health check in ECS terms (healthCheck of the definition).
struct HealthCheckSpec {
  std::vector<std::string> command;  // ["CMD-SHELL", "curl -f ..."] or ["CMD", "bin", "arg"]
  int interval_seconds = 30;
  int timeout_seconds = 5;
  int retries = 3;
  int start_period_seconds = 0;
};

// Where the awslogs log driver sends a container's output.
struct AwsLogsSpec {
  std::string region;
  std::string group;
  std::string stream;  // "<prefix>/<container-name>/<task-id>"
  bool create_group = false;
  // Adoption only (not stored): by container id, where the output already
  // stored in the stream ends, so shipping resumes exactly there.
  std::map<std::string, OutputOffsets> resume = {};
};

// dependsOn: start this container only once `container` reached `condition`.
struct DependencySpec {
  std::string container;
  std::string condition;  // START | COMPLETE | SUCCESS | HEALTHY
};

struct ContainerPlan {
  ContainerSpec spec;  // engine-level container (volumesFrom already expanded into mounts)
  bool essential = true;
  std::vector<DependencySpec> depends_on;
  std::optional<HealthCheckSpec> health_check;
  std::optional<AwsLogsSpec> awslogs;
  int start_timeout_seconds = 0;  // dependsOn wait limit; 0 = none
};

struct TaskPlan {
  std::string task_arn;
  std::string region;
  SandboxSpec sandbox;  // network, subnet, requested IP, volumes
  std::vector<ContainerPlan> containers;  // in task definition order
};

// One container as the runtime last saw it.
struct ContainerReport {
  std::string name;
  std::string runtime_id;    // engine container id ("" until created)
  std::string image_digest;  // "sha256:..." once pulled
  std::string last_status = "PENDING";  // PENDING | RUNNING | STOPPED
  std::optional<int64_t> exit_code;
  std::string reason;         // e.g. "CannotPullContainerError: ..."
  std::string health_status;  // HEALTHY | UNHEALTHY | UNKNOWN ("" = no health check)
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
};

struct TaskReport {
  std::string task_arn;
  // PROVISIONING | PENDING | RUNNING | DEPROVISIONING | STOPPED
  std::string last_status = "PROVISIONING";
  // Network attachment, once the sandbox exists.
  std::string ip, mac, eni_id, subnet_id, hostname;
  int64_t pull_started_at_ms = 0;
  int64_t pull_stopped_at_ms = 0;
  int64_t started_at_ms = 0;            // all containers that start, started
  int64_t stopping_at_ms = 0;           // DEPROVISIONING began
  int64_t execution_stopped_at_ms = 0;  // every container stopped
  int64_t stopped_at_ms = 0;            // STOPPED, resources released
  // Set when the runtime itself decided the task ends (EssentialContainerExited,
  // TaskFailedToStart); a stop ECS asked for keeps ECS's own code and reason.
  std::string stop_code;
  std::string stopped_reason;
  std::string health_status;  // HEALTHY | UNHEALTHY | UNKNOWN
  std::vector<ContainerReport> containers;
};

boost::json::object ToJson(const TaskPlan& plan);
Result<TaskPlan> TaskPlanFromJson(const boost::json::object& o);

}  // namespace fargo::runtime
