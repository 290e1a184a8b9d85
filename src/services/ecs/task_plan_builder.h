// Turns one ECS task (its task definition, the RunTask overrides and the
// resolved network) into the runtime::TaskPlan the task runtime executes.
// A pure function: everything it needs is passed in.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/result.h"
#include "runtime/task_plan.h"

namespace fargo::services::ecs {

namespace json = boost::json;

struct PlanNetwork {
  std::string vpc_id, vpc_cidr;
  std::string subnet_id, subnet_cidr;
};

struct PlanInput {
  std::string region;
  std::string task_arn;
  std::string cluster;                       // cluster name
  const json::object* task_definition = nullptr;  // TaskDefinition as DescribeTaskDefinition shows it
  json::object overrides;                    // TaskOverride (containerOverrides, cpu, memory, ...)
  PlanNetwork network;
  std::string credentials_id;  // set when the task has a task role
  std::string service_name;    // "" for tasks not started by a service
};

// The metadata endpoint token of the `index`th container of a task.
std::string MetadataToken(const std::string& task_id, size_t index);

// Builds the plan. Environment files are not read (their variables are not
// injected); everything else of the container definitions is carried over.
Result<runtime::TaskPlan> BuildTaskPlan(const PlanInput& in);

}  // namespace fargo::services::ecs
