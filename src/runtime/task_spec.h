// The plain data of a task's sandbox and containers, in engine terms: what
// a TaskPlan (task_plan.h) is made of. No engine access here, so the control
// plane can build plans without linking the engine client.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ulimits.h"

namespace fargo::runtime {

using Labels = std::map<std::string, std::string>;  // as engine_client.h

struct VpcNetworkSpec {
  std::string vpc_id;
  std::string cidr;       // "10.0.0.0/16"
  bool internal = false;  // no route off the machine (no NAT/forwarding)
  bool dns_support = true;  // EC2's enableDnsSupport: the VPC's resolver answers
  Labels labels;          // extra labels
};

// Where the route table of a task's subnet sends 0.0.0.0/0 (EC2's answer).
enum class SubnetEgress { kNone, kInternetGateway, kNatGateway };

// Whether a task reaches beyond its VPC, as on AWS: through an internet
// gateway only with a public IP, through a NAT gateway always. fargo's own
// services are reachable regardless.
inline bool HasEgress(SubnetEgress route, bool public_ip) {
  return route == SubnetEgress::kNatGateway || (route == SubnetEgress::kInternetGateway && public_ip);
}
const char* SubnetEgressName(SubnetEgress e);  // "none" | "internet-gateway" | "nat-gateway"
SubnetEgress SubnetEgressFrom(std::string_view name);  // unknown: kNone

struct SandboxSpec {
  std::string task_arn;  // "arn:aws:ecs:<region>:<acct>:task/<cluster>/<id>"
  std::string cluster;   // cluster name
  VpcNetworkSpec vpc;    // ensured on Create
  std::string subnet_id;
  std::string subnet_cidr;  // must lie inside vpc.cidr
  std::string ip;           // requested private address; empty = first free one
  SubnetEgress subnet_egress = SubnetEgress::kNone;  // at launch; later changes come by TaskDriver::SetEgress
  bool public_ip = false;   // awsvpcConfiguration.assignPublicIp ENABLED
  std::string eni_id;       // empty = DeriveEniId(task_arn)
  std::string hostname;     // empty = "ip-10-0-1-23.ec2.internal"
  std::vector<std::string> volumes;  // task-scoped volume names (task definition names)
  Labels labels;                     // extra labels on everything the task owns
};

struct VolumeMount {
  std::string volume;          // a SandboxSpec::volumes name
  std::string container_path;  // absolute
  bool read_only = false;
};

// One container of the task, in ECS container-definition terms.
struct ContainerSpec {
  std::string name;   // ECS container name, unique in the task
  std::string image;  // normalised with NormalizeImageRef
  std::optional<std::vector<std::string>> entrypoint;  // nullopt = image's
  std::optional<std::vector<std::string>> command;     // nullopt = image's
  std::vector<std::string> env;                        // "KEY=value"
  std::string working_dir;
  std::string user;
  std::vector<Ulimit> ulimits;  // clamped to the host
  std::vector<VolumeMount> mounts;
  Labels labels;                 // dockerLabels
  int64_t memory_mib = 0;        // hard limit; 0 = none
  int64_t memory_reservation_mib = 0;
  int64_t cpu_shares = 0;        // 0 = engine default
  bool readonly_root_filesystem = false;
  bool init = false;             // linuxParameters.initProcessEnabled
  bool tty = false;              // pseudoTerminal
  bool interactive = false;
  int stop_timeout_seconds = 30;
};

// The last component of the task ARN ("<id>" of ".../task/<cluster>/<id>").
std::string TaskIdOf(std::string_view task_arn);

}  // namespace fargo::runtime
