// ECS resource names, ARNs and identifiers: building ARNs and resolving the
// "name or ARN" identifiers every ECS operation accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fargo::services::ecs {

std::string ClusterArn(const std::string& region, const std::string& account, const std::string& name);
// Long ARN format: service/CLUSTER/NAME.
std::string ServiceArn(const std::string& region, const std::string& account, const std::string& cluster,
                       const std::string& name);
std::string TaskDefinitionArn(const std::string& region, const std::string& account,
                              const std::string& family, int64_t revision);
std::string TaskArn(const std::string& region, const std::string& account, const std::string& cluster,
                    const std::string& id);

// True for 1-255 letters, digits, hyphens and underscores (cluster, service,
// family and container names).
bool ValidName(const std::string& name);

// The cluster name of a cluster identifier (a name or a cluster ARN); an
// empty identifier means the "default" cluster.
std::string ClusterNameOf(const std::string& id);

// A service identifier: a name, a short ARN (service/NAME) or a long ARN
// (service/CLUSTER/NAME). `cluster` is empty unless the ARN names it.
struct ServiceId {
  std::string cluster;
  std::string name;
};
ServiceId ParseServiceId(const std::string& id);

// A task definition reference: "family", "family:revision" or an ARN.
// `revision` is 0 when only the family was given (meaning the latest ACTIVE
// revision). nullopt when malformed.
struct TaskDefinitionRef {
  std::string family;
  int64_t revision = 0;
};
std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(const std::string& ref);

// An ECS resource ARN (arn:PARTITION:ecs:REGION:ACCOUNT:KIND/PATH), as used
// by the tagging operations. nullopt when it is not an ECS ARN.
struct ResourceArn {
  std::string region;
  std::string account;
  std::string kind;  // "cluster", "service", "task-definition", "task", ...
  std::string path;  // everything after "KIND/"
};
std::optional<ResourceArn> ParseResourceArn(const std::string& arn);

// The 19-digit id of a service deployment ("ecs-svc/" + digits) from 16 hex digits.
std::string DeploymentId(const std::string& hex16);

}  // namespace fargo::services::ecs
