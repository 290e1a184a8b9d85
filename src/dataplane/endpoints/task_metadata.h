// The task metadata documents (v4, and v3 which answers the same): what a
// container sees at $ECS_CONTAINER_METADATA_URI_V4 ("" or "/": itself,
// "/task": its task, "/stats" and "/task/stats": Docker-shaped stats, all
// zero). The control plane fills in a TaskMetadata (plain data); rendering
// it, with the shapes and defaults of the Fargate agent, happens only here.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::dataplane {

struct ContainerMetadata {
  std::string docker_id;  // engine container id ("" until created)
  std::string container_arn;
  std::string name, image, image_id;
  std::string known_status;  // PENDING | RUNNING | STOPPED
  int64_t cpu = 0;           // container cpu units
  std::optional<int64_t> memory;  // MiB hard limit
  std::optional<int64_t> exit_code;
  std::string log_driver;           // "" = no logConfiguration
  boost::json::object log_options;  // as the task definition gives them
};

struct TaskMetadata {
  size_t container_index = 0;  // the container asking (the token's)
  std::string region, task_id;
  std::string cluster_arn, task_arn, family;
  int64_t revision = 0;
  std::string desired_status, known_status;
  std::string cpu, memory;  // task size: cpu units, MiB
  std::optional<double> pull_started_at, pull_stopped_at, started_at, execution_stopped_at;  // epoch seconds
  std::string availability_zone;
  std::string service_name;           // "" = not a service's task
  std::optional<std::string> vpc_id;  // nullopt = the task never had a runtime plan
  // The task's network interface; private_ip "" = not attached yet.
  std::string private_ip, mac_address, private_dns_name, subnet_cidr;
  std::vector<ContainerMetadata> containers;  // in task definition order
};

// The error for a token that names no task or container (and for unknown
// paths): NotFound, 404.
AwsError MetadataNotFound();

// The document at `subpath` ("" or "/", "/task", "/stats", "/task/stats") as
// seen at `now` (epoch seconds); MetadataNotFound() for any other subpath.
// REQUIRES: m.container_index < m.containers.size().
Result<boost::json::value> RenderTaskMetadata(const TaskMetadata& m, const std::string& subpath, double now);

}  // namespace fargo::dataplane
