// TaskMetadataView: what ECS shows the task metadata endpoint of one
// container and its task: plain data, filled in by Tasks::Metadata on the
// state thread. It is the whole seam between ECS and the endpoints: the
// documents themselves are rendered by the data plane
// (dataplane/endpoints/task_metadata.h), which depends on this header and
// not ECS on the data plane.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fargo::services::ecs {

struct TaskMetadataView {
  struct Container {
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
  std::vector<Container> containers;  // in task definition order
};

}  // namespace fargo::services::ecs
