#include "services/ecs/task_definition_builder.h"

#include <cctype>
#include <cmath>
#include <set>
#include <vector>

#include "common/json_access.h"
#include "services/ecs/ecs_arn.h"

namespace fargo::services::ecs {
namespace {

// ContainerDefinition members in the model's order.
const std::vector<std::string>& ContainerMemberOrder() {
  static const std::vector<std::string> order = {
      "name", "image", "repositoryCredentials", "cpu", "memory", "memoryReservation", "links",
      "portMappings", "essential", "restartPolicy", "entryPoint", "command", "environment",
      "environmentFiles", "mountPoints", "volumesFrom", "linuxParameters", "secrets", "dependsOn",
      "startTimeout", "stopTimeout", "versionConsistency", "hostname", "user", "workingDirectory",
      "disableNetworking", "privileged", "readonlyRootFilesystem", "dnsServers", "dnsSearchDomains",
      "extraHosts", "dockerSecurityOptions", "interactive", "pseudoTerminal", "dockerLabels", "ulimits",
      "logConfiguration", "healthCheck", "systemControls", "resourceRequirements",
      "firelensConfiguration", "credentialSpecs"};
  return order;
}

AwsError Client(const std::string& msg) { return AwsError::Make("ClientException", msg); }

bool HasCompat(const json::object& in, std::string_view what) {
  auto* v = in.if_contains("requiresCompatibilities");
  if (!v || !v->is_array()) return false;
  for (auto& e : v->as_array())
    if (e.is_string() && e.as_string() == what) return true;
  return false;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "<number><suffix>" with optional blanks; the number may be fractional.
std::optional<double> NumberWithSuffix(const std::string& v, const std::string& suffix) {
  std::string s = Lower(v);
  size_t pos = s.find(suffix);
  if (pos == std::string::npos || pos + suffix.size() != s.size()) return std::nullopt;
  std::string num = s.substr(0, pos);
  while (!num.empty() && num.back() == ' ') num.pop_back();
  if (num.empty()) return std::nullopt;
  for (char c : num)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return std::nullopt;
  try {
    return std::stod(num);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<int64_t> PlainInt(const std::string& v) {
  if (v.empty() || v.size() > 9) return std::nullopt;
  for (char c : v)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoll(v);
}

bool UsesAwslogs(const json::object& c) {
  auto* lc = c.if_contains("logConfiguration");
  return lc && lc->is_object() && GetString(lc->as_object(), "logDriver") == "awslogs";
}

void AddAttr(json::array& attrs, std::set<std::string>& seen, const std::string& name) {
  if (seen.insert(name).second) attrs.push_back(json::object{{"name", name}});
}

// The attributes a container instance needs to run the task, as ECS derives them.
json::array RequiresAttributes(const json::object& in, const json::array& containers,
                               const std::string& network_mode) {
  json::array attrs;
  std::set<std::string> seen;
  bool has_exec_role = !GetString(in, "executionRoleArn").empty();
  for (auto& cv : containers) {
    const auto& c = cv.as_object();
    if (UsesAwslogs(c)) {
      AddAttr(attrs, seen, "com.amazonaws.ecs.capability.logging-driver.awslogs");
      if (has_exec_role) AddAttr(attrs, seen, "ecs.capability.execution-role-awslogs");
      AddAttr(attrs, seen, "com.amazonaws.ecs.capability.docker-remote-api.1.19");
    }
    if (auto* lp = c.if_contains("linuxParameters"); lp && lp->is_object() &&
                                                      lp->as_object().contains("initProcessEnabled"))
      AddAttr(attrs, seen, "com.amazonaws.ecs.capability.docker-remote-api.1.25");
    if (auto* d = c.if_contains("dependsOn"); d && d->is_array() && !d->as_array().empty())
      AddAttr(attrs, seen, "ecs.capability.container-ordering");
    if (c.contains("secrets") && has_exec_role) AddAttr(attrs, seen, "ecs.capability.secrets.ssm.environment-variables");
    if (c.contains("healthCheck")) AddAttr(attrs, seen, "ecs.capability.container-health-check");
  }
  if (!GetString(in, "taskRoleArn").empty()) AddAttr(attrs, seen, "com.amazonaws.ecs.capability.task-iam-role");
  if (network_mode == "awsvpc") {
    AddAttr(attrs, seen, "ecs.capability.task-eni");
    AddAttr(attrs, seen, "com.amazonaws.ecs.capability.docker-remote-api.1.18");
  }
  return attrs;
}

// A volume as AWS returns it: a bind-mount volume with no configuration gets
// an empty "host" object.
json::object NormalizeVolume(const json::object& v) {
  json::object out = v;
  if (!out.contains("host") && !out.contains("dockerVolumeConfiguration") &&
      !out.contains("efsVolumeConfiguration") && !out.contains("fsxWindowsFileServerVolumeConfiguration") &&
      !out.contains("s3filesVolumeConfiguration") && !GetBool(out, "configuredAtLaunch"))
    out["host"] = json::object{};
  return out;
}

}  // namespace

std::optional<int64_t> ParseCpuUnits(const std::string& v) {
  if (auto n = PlainInt(v)) return n;
  if (auto d = NumberWithSuffix(v, "vcpu")) {
    double units = *d * 1024.0;
    if (units <= 0 || std::floor(units) != units) return std::nullopt;
    return static_cast<int64_t>(units);
  }
  return std::nullopt;
}

std::optional<int64_t> ParseMemoryMiB(const std::string& v) {
  if (auto n = PlainInt(v)) return n;
  if (auto d = NumberWithSuffix(v, "gb")) {
    double mib = *d * 1024.0;
    if (mib <= 0 || std::floor(mib) != mib) return std::nullopt;
    return static_cast<int64_t>(mib);
  }
  return std::nullopt;
}

bool FargateSizeSupported(int64_t cpu, int64_t mem) {
  auto range = [mem](int64_t lo, int64_t hi, int64_t step) {
    return mem >= lo && mem <= hi && (mem - lo) % step == 0;
  };
  switch (cpu) {
    case 256: return mem == 512 || mem == 1024 || mem == 2048;
    case 512: return range(1024, 4096, 1024);
    case 1024: return range(2048, 8192, 1024);
    case 2048: return range(4096, 16384, 1024);
    case 4096: return range(8192, 30720, 1024);
    case 8192: return range(16384, 61440, 4096);
    case 16384: return range(32768, 122880, 8192);
    default: return false;
  }
}

json::object NormalizeContainer(const json::object& c, const std::string& network_mode) {
  json::object d = c;
  if (!d.contains("cpu")) d["cpu"] = 0;
  if (!d.contains("essential")) d["essential"] = true;
  for (const char* k : {"portMappings", "environment", "mountPoints", "volumesFrom", "systemControls"})
    if (!d.contains(k)) d[k] = json::array{};
  bool host_equals_container = network_mode == "awsvpc" || network_mode == "host";
  for (auto& pmv : d["portMappings"].as_array()) {
    if (!pmv.is_object()) continue;
    auto& pm = pmv.as_object();
    if (host_equals_container && !pm.contains("hostPort") && pm.contains("containerPort"))
      pm["hostPort"] = pm["containerPort"];
    if (!pm.contains("protocol")) pm["protocol"] = "tcp";
  }
  if (auto* hc = d.if_contains("healthCheck"); hc && hc->is_object()) {
    auto& h = hc->as_object();
    if (!h.contains("interval")) h["interval"] = 30;
    if (!h.contains("timeout")) h["timeout"] = 5;
    if (!h.contains("retries")) h["retries"] = 3;
  }
  json::object out;
  for (const auto& k : ContainerMemberOrder())
    if (auto* v = d.if_contains(k)) out[k] = *v;
  for (auto& [k, v] : d)
    if (!out.contains(k)) out[k] = v;
  return out;
}

Result<json::object> BuildTaskDefinition(const json::object& in, const RegisterContext& ctx) {
  std::string family = GetString(in, "family");
  if (!ValidName(family))
    return Client("Family contains invalid characters. Up to 255 letters (uppercase and lowercase), "
                  "numbers, hyphens, and underscores are allowed.");
  const json::array empty;
  auto* cdv = in.if_contains("containerDefinitions");
  const json::array& containers = cdv && cdv->is_array() ? cdv->as_array() : empty;
  if (containers.empty()) return Client("Container list cannot be empty.");

  bool fargate = HasCompat(in, "FARGATE");
  std::string network_mode = GetString(in, "networkMode");
  if (fargate && network_mode != "awsvpc") return Client("Fargate only supports network mode \u2018awsvpc\u2019.");

  // Task size.
  std::optional<int64_t> cpu, mem;
  if (in.contains("cpu")) {
    cpu = ParseCpuUnits(GetString(in, "cpu"));
    if (!cpu) return Client("Invalid 'cpu' setting for task.");
  }
  if (in.contains("memory")) {
    mem = ParseMemoryMiB(GetString(in, "memory"));
    if (!mem) return Client("Invalid 'memory' setting for task.");
  }
  if (fargate) {
    if (!cpu) return Client("Fargate requires that 'cpu' be defined at the task level.");
    if (!mem) return Client("Fargate requires that 'memory' be defined at the task level.");
    if (!FargateSizeSupported(*cpu, *mem))
      return Client("No Fargate configuration exists for given values: " + std::to_string(*cpu) + " CPU, " +
                    std::to_string(*mem) + " memory. See the Amazon ECS documentation for the valid values.");
  }

  // Volumes.
  std::set<std::string> volume_names;
  json::array volumes;
  if (auto* vv = in.if_contains("volumes"); vv && vv->is_array()) {
    for (auto& v : vv->as_array()) {
      if (!v.is_object()) continue;
      std::string name = GetString(v.as_object(), "name");
      if (!ValidName(name)) return Client("Invalid volume name: '" + name + "'.");
      if (!volume_names.insert(name).second) return Client("Duplicate volume name: '" + name + "'.");
      if (fargate && v.as_object().contains("host") &&
          !GetString(v.as_object().at("host").as_object(), "sourcePath").empty())
        return Client("Host path volumes are not supported on Fargate.");
      volumes.push_back(NormalizeVolume(v.as_object()));
    }
  }

  // Containers.
  std::set<std::string> names;
  json::array out_containers;
  for (auto& cv : containers) {
    if (!cv.is_object()) return Client("Container definition is not an object.");
    const auto& c = cv.as_object();
    std::string name = GetString(c, "name");
    if (!ValidName(name))
      return Client("Container name should be between 1 and 255 characters and contain only letters, "
                    "numbers, hyphens and underscores.");
    if (!names.insert(name).second) return Client("Duplicate container name found: " + name + ".");
    if (GetString(c, "image").empty()) return Client("Container.image should not be null or empty.");
    if (!mem && !c.contains("memory") && !c.contains("memoryReservation"))
      return Client("Invalid setting for container '" + name +
                    "'. At least one of 'memory' or 'memoryReservation' must be specified.");
    if (c.contains("memory") && c.contains("memoryReservation") &&
        c.at("memoryReservation").to_number<int64_t>() > c.at("memory").to_number<int64_t>())
      return Client("Invalid 'memory' setting for container '" + name +
                    "'. 'memory' must be greater than or equal to 'memoryReservation'.");
    if (mem && c.contains("memory") && c.at("memory").to_number<int64_t>() > *mem)
      return Client("Invalid 'memory' setting for container '" + name +
                    "'. The container memory must not exceed the task memory.");
    if (auto* pms = c.if_contains("portMappings"); pms && pms->is_array() && network_mode == "awsvpc") {
      for (auto& pm : pms->as_array()) {
        if (!pm.is_object()) continue;
        auto* hp = pm.as_object().if_contains("hostPort");
        auto* cp = pm.as_object().if_contains("containerPort");
        if (hp && cp && hp->to_number<int64_t>() != cp->to_number<int64_t>())
          return Client("When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
      }
    }
    if (auto* mps = c.if_contains("mountPoints"); mps && mps->is_array()) {
      for (auto& mp : mps->as_array()) {
        if (!mp.is_object()) continue;
        std::string src = GetString(mp.as_object(), "sourceVolume");
        if (!src.empty() && !volume_names.count(src))
          return Client("Invalid 'mountPoints' setting for container '" + name + "'. Unknown volume '" + src +
                        "'.");
      }
    }
    if (fargate && UsesAwslogs(c) && GetString(in, "executionRoleArn").empty())
      return Client("Fargate requires task definition to have execution role ARN to support log driver awslogs.");
    out_containers.push_back(NormalizeContainer(c, network_mode.empty() ? "bridge" : network_mode));
  }
  for (auto& cv : containers) {
    if (auto* deps = cv.as_object().if_contains("dependsOn"); deps && deps->is_array())
      for (auto& d : deps->as_array())
        if (d.is_object() && !names.count(GetString(d.as_object(), "containerName")))
          return Client("Container '" + GetString(d.as_object(), "containerName") +
                        "' in dependsOn is not defined in the task definition.");
  }

  std::string mode = network_mode.empty() ? "bridge" : network_mode;
  json::array compat{"EC2"};
  if (mode != "awsvpc") compat.insert(compat.begin(), "EXTERNAL");
  bool fargate_ok = mode == "awsvpc" && cpu && mem && FargateSizeSupported(*cpu, *mem) && !in.contains("ipcMode") &&
                    GetString(in, "pidMode") != "host" && !in.contains("inferenceAccelerators") &&
                    !in.contains("placementConstraints");
  if (fargate_ok) compat.push_back("FARGATE");

  json::object td;
  td["taskDefinitionArn"] = TaskDefinitionArn(ctx.region, ctx.account, family, ctx.revision);
  td["containerDefinitions"] = std::move(out_containers);
  td["family"] = family;
  if (in.contains("taskRoleArn")) td["taskRoleArn"] = in.at("taskRoleArn");
  if (in.contains("executionRoleArn")) td["executionRoleArn"] = in.at("executionRoleArn");
  td["networkMode"] = mode;
  td["revision"] = ctx.revision;
  td["volumes"] = std::move(volumes);
  td["status"] = "ACTIVE";
  td["requiresAttributes"] = RequiresAttributes(in, td["containerDefinitions"].as_array(), mode);
  td["placementConstraints"] = in.contains("placementConstraints") ? in.at("placementConstraints") : json::array{};
  td["compatibilities"] = std::move(compat);
  if (in.contains("runtimePlatform")) td["runtimePlatform"] = in.at("runtimePlatform");
  if (in.contains("requiresCompatibilities")) td["requiresCompatibilities"] = in.at("requiresCompatibilities");
  if (cpu) td["cpu"] = std::to_string(*cpu);
  if (mem) td["memory"] = std::to_string(*mem);
  for (const char* k : {"inferenceAccelerators", "pidMode", "ipcMode", "proxyConfiguration"})
    if (in.contains(k)) td[k] = in.at(k);
  td["registeredAt"] = ctx.now;
  td["registeredBy"] = "arn:aws:iam::" + ctx.account + ":root";
  if (in.contains("ephemeralStorage")) td["ephemeralStorage"] = in.at("ephemeralStorage");
  if (in.contains("enableFaultInjection")) td["enableFaultInjection"] = in.at("enableFaultInjection");
  return td;
}

}  // namespace fargo::services::ecs
