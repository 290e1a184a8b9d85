// An ECS service as fargo keeps it: its life cycle typed (status, counts,
// deployments with their rollout states, events, the scheduler's back-off),
// and the configuration it was created or updated with (load balancers,
// deploymentConfiguration, networkConfiguration, ...) as DescribeServices
// shows it. The stored document (collection "ecs.services": the Service's
// keys plus "_"-prefixed internals, as earlier versions wrote them) is made
// and read only by ToStored/ServiceFromStored, the wire shape only by
// EncodeService.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::ecs {

namespace json = boost::json;

enum class ServiceStatus { kActive, kDraining, kInactive };
enum class DeploymentStatus { kPrimary, kActive };
enum class RolloutState { kInProgress, kCompleted, kFailed };

std::string_view Name(ServiceStatus s);
std::string_view Name(DeploymentStatus s);
std::string_view Name(RolloutState s);

struct ServiceEvent {
  std::string id;
  double created_at = 0;
  std::string message;
};

struct Deployment {
  std::string id;  // "ecs-svc/<19 digits>"
  DeploymentStatus status = DeploymentStatus::kPrimary;
  std::string task_definition;
  int64_t desired_count = 0, pending_count = 0, running_count = 0, failed_tasks = 0;
  double created_at = 0, updated_at = 0;
  // What the deployment runs with, taken from the service when it began:
  // capacityProviderStrategy, launchType, platformVersion, platformFamily,
  // networkConfiguration (each only when the service had it).
  json::object config;
  RolloutState rollout_state = RolloutState::kInProgress;
  std::string rollout_state_reason;
};

// What the scheduler counted of one deployment's tasks.
struct DeploymentCounts {
  int64_t running = 0, pending = 0, failed = 0;
};

struct Service {
  // ---- what DescribeServices shows
  std::string service_arn, service_name, cluster_arn;
  ServiceStatus status = ServiceStatus::kActive;
  int64_t desired_count = 0, running_count = 0, pending_count = 0;
  std::string task_definition;  // "" = none (not an ECS deployment controller)
  std::vector<Deployment> deployments;  // the PRIMARY first
  std::vector<ServiceEvent> events;     // newest first, at most 100
  double created_at = 0;
  // Every other member of the Service shape, as configured (loadBalancers,
  // launchType, deploymentConfiguration, networkConfiguration, tags, ...).
  json::object config;

  // ---- fargo's own
  std::string client_token;  // CreateService's, for idempotence
  bool steady = false;       // the steady-state event was given
  int64_t fail_streak = 0;   // tasks that failed in a row
  std::optional<double> next_launch_at;  // launch back-off
  int64_t live_tasks = 0;                // tasks not STOPPED yet
  std::optional<double> draining_since;
  std::string last_completed_task_definition;  // what a circuit breaker rolls back to
  std::map<std::string, DeploymentCounts> task_counts;  // by deployment id

  Deployment* primary();
  const Deployment* primary() const;
  Deployment* deployment(const std::string& id);
};

json::object ToStored(const Service& s);
Result<Service> ServiceFromStored(const json::object& doc);
// The Service as DescribeServices (and Create/Update/DeleteService) answer it.
json::object EncodeService(const Service& s, bool tags);

}  // namespace fargo::services::ecs
