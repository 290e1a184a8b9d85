// An ECS task as fargo keeps it: what DescribeTasks shows plus what only
// fargo needs (the runtime plan, the credentials id, the service that owns
// it). Statuses and stop codes are enums; the stored document (collection
// "ecs.tasks", the same keys as DescribeTasks plus "_"-prefixed internals)
// is produced and read only by ToStored/TaskFromStored, and the wire shape
// only by EncodeTask.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/task_plan.h"

namespace fargo::services::ecs {

namespace json = boost::json;

// In life-cycle order: a later status never goes back to an earlier one.
enum class TaskStatus { kProvisioning, kPending, kActivating, kRunning, kDeactivating, kStopping, kDeprovisioning, kStopped };
enum class DesiredStatus { kRunning, kStopped };
enum class StopCode {
  kNone,
  kTaskFailedToStart,
  kEssentialContainerExited,
  kUserInitiated,
  kServiceSchedulerInitiated,
  kSpotInterruption,
  kTerminationNotice,
};
enum class HealthStatus { kUnknown, kHealthy, kUnhealthy };
enum class ContainerStatus { kPending, kRunning, kStopped };
enum class AttachmentStatus { kPrecreated, kAttached, kDeleted };

std::string_view Name(TaskStatus s);
std::string_view Name(DesiredStatus s);
std::string_view Name(StopCode c);  // "" for kNone
std::string_view Name(HealthStatus h);
std::string_view Name(ContainerStatus s);
std::string_view Name(AttachmentStatus s);
std::optional<TaskStatus> ParseTaskStatus(std::string_view s);
StopCode ParseStopCode(std::string_view s);                // unknown -> kNone
std::optional<HealthStatus> ParseHealthStatus(std::string_view s);
std::optional<ContainerStatus> ParseContainerStatus(std::string_view s);

// The task's elastic network interface (its one attachment).
struct Attachment {
  std::string id;  // uuid
  AttachmentStatus status = AttachmentStatus::kPrecreated;
  std::string subnet_id;
  // Known once the runtime attached the task (private_ip set).
  std::string network_interface_id, mac_address, private_dns_name, private_ip;
};

// The ECS exec agent of a container (enableExecuteCommand).
struct ManagedAgent {
  ContainerStatus last_status = ContainerStatus::kPending;
  std::optional<double> last_started_at;
};

struct Container {
  std::string container_arn;
  std::string name, image;
  std::string image_digest, runtime_id;  // "" until the runtime reports them
  ContainerStatus last_status = ContainerStatus::kPending;
  std::optional<int64_t> exit_code;
  std::string reason;
  HealthStatus health_status = HealthStatus::kUnknown;
  int64_t cpu = 0;
  std::optional<int64_t> memory, memory_reservation;  // MiB
  bool network_bound = false;  // networkInterfaces shows the task's attachment and ip
  std::optional<ManagedAgent> exec_agent;
};

struct Task {
  // ---- what DescribeTasks shows
  std::string task_arn, cluster_arn, task_definition_arn;
  Attachment attachment;
  std::string availability_zone;
  std::string capacity_provider;  // "" = launch type only
  std::optional<double> connectivity_at;  // CONNECTED since
  std::vector<Container> containers;
  std::string cpu, memory;  // task size, in units / MiB as strings
  double created_at = 0;
  DesiredStatus desired_status = DesiredStatus::kRunning;
  TaskStatus last_status = TaskStatus::kProvisioning;
  HealthStatus health_status = HealthStatus::kUnknown;
  bool enable_execute_command = false;
  std::string group, launch_type = "FARGATE", started_by;
  json::object overrides;  // TaskOverride as RunTask was given it, with containerOverrides for every container
  std::optional<double> pull_started_at, pull_stopped_at, started_at, stopping_at, execution_stopped_at,
      stopped_at;
  StopCode stop_code = StopCode::kNone;
  std::string stopped_reason;
  json::array tags;
  int64_t version = 0;

  // ---- fargo's own
  std::string account;
  std::string subnet_cidr;
  std::vector<std::string> security_groups;
  std::string credentials_id, task_role_arn;  // both set when the task has a task role
  std::string service;                        // the service that started it ("" = RunTask)
  std::optional<runtime::TaskPlan> plan;      // what the runtime runs (none when it failed to start)
  std::optional<double> running_since;        // first seen RUNNING
  std::optional<std::string> eni_id;          // decided once the runtime attached the task
  bool ec2_interface = false;                 // EC2 shows an interface for it (removed when it stops)

  bool stopped() const { return last_status == TaskStatus::kStopped; }
  std::string id() const { return task_arn.substr(task_arn.rfind('/') + 1); }
};

// The stored document (today's keys; data directories of earlier versions load).
json::object ToStored(const Task& t);
Result<Task> TaskFromStored(const json::object& doc);

// The Task as DescribeTasks (and RunTask, StopTask) answer it.
json::object EncodeTask(const Task& t, bool tags);

}  // namespace fargo::services::ecs
