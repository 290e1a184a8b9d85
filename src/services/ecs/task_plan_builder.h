// Turns one ECS task (its task definition, the RunTask overrides and the
// resolved network) into the runtime::TaskPlan the task runtime executes.
// A pure function: everything it needs is passed in.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "runtime/task_plan.h"

namespace fargo::services::ecs {

// Where a task's containers reach the AWS APIs (AWS_ENDPOINT_URL): fargo
// serves them on the task endpoints' address.
inline constexpr const char* kTaskApiEndpoint = "http://169.254.170.2:4566";

namespace json = boost::json;

struct PlanNetwork {
  std::string vpc_id, vpc_cidr;
  std::string subnet_id, subnet_cidr;
  runtime::SubnetEgress subnet_egress = runtime::SubnetEgress::kNone;
  bool public_ip = false;  // assignPublicIp ENABLED
  bool dns_support = true;
};

// Reads an object of fargo's S3: its bytes, or S3's error (NoSuchBucket,
// NoSuchKey).
using ObjectReader = std::function<Result<std::string>(const std::string& bucket, const std::string& key)>;

struct PlanInput {
  std::string region;
  std::string task_arn;
  std::string cluster;                       // cluster name
  const json::object* task_definition = nullptr;  // TaskDefinition as DescribeTaskDefinition shows it
  json::object overrides;                    // TaskOverride (containerOverrides, cpu, memory, ...)
  PlanNetwork network;
  std::string credentials_id;  // set when the task has a task role
  std::string service_name;    // "" for tasks not started by a service
  ObjectReader read_object;    // reads environmentFiles; unset: none can be read
};

// The metadata endpoint token of the `index`th container of a task.
std::string MetadataToken(const std::string& task_id, size_t index);

// The variables of an environment file, as the Fargate agent reads one:
// line by line ("\n" or "\r\n"); lines starting with '#' are comments;
// other lines are NAME=VALUE split at the first '=', with no quoting or
// escaping; lines without '=', or with an empty name or value, are not
// applied. A name given twice takes its last value. In first-seen order.
std::vector<std::pair<std::string, std::string>> ParseEnvFile(std::string_view text);

// Builds the plan. Each container's environmentFiles (those of its container
// override when it has them, which replace the definition's) are read with
// `in.read_object`; their variables are added below the container's
// `environment` (which wins), the first file naming a variable winning over
// later ones. A file that cannot be read fails the plan with a message like
// Fargate's "failed to download env files: ...". Everything else of the
// container definitions is carried over.
Result<runtime::TaskPlan> BuildTaskPlan(const PlanInput& in);

}  // namespace fargo::services::ecs
