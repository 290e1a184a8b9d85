// Views: what the people's commands show, made from the AWS APIs' answers
// (ECS's task and service objects, ELBv2's load balancers and target
// groups, /_fargo/status): one row type per command, its table and its
// --json form. Pure functions; the commands (people_commands.h) fetch.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "cli/table.h"
#include "runtime/pull_progress.h"

namespace fargo::cli {

// ---- fargo ps
struct TaskRow {
  std::string cluster, service, task_id, task_arn, status, desired_status, health, address, image,
      task_definition;
  double created_at = 0, started_at = 0, stopped_at = 0;  // epoch seconds, 0 = not yet
  // While its image is pulled (GET /_fargo/pulls): "pulling 45% 12.1/26.8 MB",
  // shown after the status; its JSON (PullProgress::ToJson) in TasksJson.
  std::string pull;
  boost::json::object pull_json;
};
// From one task of DescribeTasks. `cluster` is the cluster's name.
TaskRow TaskRowOf(const std::string& cluster, const boost::json::object& task);
// "45% 12.1/26.8 MB", "2/5 layers" while no size is known, "" before any
// layer. Sizes in decimal MB (as the engines print them).
std::string PullAmountText(const runtime::PullProgress& p);
// Fills `pull` and `pull_json` of the PROVISIONING and PENDING rows whose
// task has a pull under way in `pulls` (GET /_fargo/pulls's "Pulls").
void AttachPulls(std::vector<TaskRow>& rows, const boost::json::array& pulls);
// CLUSTER SERVICE TASK STATUS HEALTH ADDRESS IMAGE AGE (age at `now`).
Table TasksTable(const std::vector<TaskRow>& rows, double now);
boost::json::array TasksJson(const std::vector<TaskRow>& rows);

// ---- fargo services
struct ServiceRow {
  std::string cluster, name, status, task_definition;  // task_definition: "family:rev"
  int64_t desired = 0, pending = 0, running = 0;
  struct Deployment {
    std::string id, status, rollout_state, task_definition;
    int64_t desired = 0, pending = 0, running = 0;
  };
  std::vector<Deployment> deployments;
};
ServiceRow ServiceRowOf(const std::string& cluster, const boost::json::object& service);
// "PRIMARY COMPLETED" or "PRIMARY IN_PROGRESS, ACTIVE COMPLETED".
std::string RolloutText(const ServiceRow& row);
// CLUSTER NAME DESIRED PENDING RUNNING ROLLOUT TASK DEFINITION
Table ServicesTable(const std::vector<ServiceRow>& rows);
boost::json::array ServicesJson(const std::vector<ServiceRow>& rows);

// ---- fargo lbs
struct LoadBalancerRow {
  std::string name, arn, type, scheme, state, dns_name, vpc_id;
  std::vector<std::string> listeners;  // "HTTP:80 -> tg-name"
};
struct TargetGroupRow {
  std::string name, arn, protocol, target_type, vpc_id;
  int64_t port = 0;
  std::vector<std::string> load_balancers;  // names
  struct Target {
    std::string id, state, reason;
    int64_t port = 0;
  };
  std::vector<Target> targets;
};
// NAME TYPE SCHEME STATE DNS NAME LISTENERS
Table LoadBalancersTable(const std::vector<LoadBalancerRow>& rows);
// TARGET GROUP PROTOCOL TYPE LOAD BALANCERS TARGETS ("10.0.1.5:80 healthy")
Table TargetGroupsTable(const std::vector<TargetGroupRow>& rows, bool colour);
boost::json::object LbsJson(const std::vector<LoadBalancerRow>& lbs, const std::vector<TargetGroupRow>& tgs);

// ---- fargo status
// "key: value" lines, then the counts per region as a table.
std::string StatusText(const boost::json::object& status, bool colour);

// ---- fargo logs
// "<source> | <message>" (source padded to `width`, coloured by its index
// when colour); just the message when source is empty.
std::string LogLine(const std::string& source, size_t width, size_t index, const std::string& message,
                    bool colour);

// ---- helpers
// The last part of an ARN after '/': a task's id, a cluster's name.
std::string LastPart(const std::string& arn);
// "family:rev" of a task definition ARN.
std::string TaskDefinitionName(const std::string& arn);
// A JSON number (or numeric string) as a double; 0 when absent.
double Number(const boost::json::object& o, const char* key);
std::string Text(const boost::json::object& o, const char* key);

}  // namespace fargo::cli
