// Task definitions: validation of RegisterTaskDefinition requests and the
// normalised TaskDefinition document AWS returns for them (the defaults AWS
// adds to container definitions, Fargate's cpu/memory rules, compatibilities).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace fargo::services::ecs {

namespace json = boost::json;

struct RegisterContext {
  std::string region;
  std::string account;
  int64_t revision = 1;
  double now = 0;  // epoch seconds
};

// Validates `in` (a RegisterTaskDefinition request in handler data form) and
// returns the TaskDefinition as DescribeTaskDefinition answers it (without
// tags), status ACTIVE. Errors are ClientException as ECS words them.
Result<json::object> BuildTaskDefinition(const json::object& in, const RegisterContext& ctx);

// Task-level cpu: "1024" or "1 vCPU"/"0.5 vcpu" in CPU units. nullopt if malformed.
std::optional<int64_t> ParseCpuUnits(const std::string& v);
// Task-level memory: "2048" or "2GB"/"2 GB" in MiB. nullopt if malformed.
std::optional<int64_t> ParseMemoryMiB(const std::string& v);
// True when (cpu, memory) is one of Fargate's supported task sizes.
bool FargateSizeSupported(int64_t cpu, int64_t memory_mib);

// One container definition with the defaults AWS fills in (cpu 0, essential
// true, empty lists, port mapping protocol and awsvpc/host host ports,
// health check timings), keys in the model's member order.
json::object NormalizeContainer(const json::object& c, const std::string& network_mode);

}  // namespace fargo::services::ecs
