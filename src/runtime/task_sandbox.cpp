#include "runtime/task_sandbox.h"

#include "runtime/json_util.h"

#include <cstdio>
#include <thread>

#include "common/strings.h"
#include "runtime/image_ref.h"
#include "runtime/pause_image.h"

namespace fargo::runtime {
namespace json = boost::json;

namespace {

constexpr const char* kRolePause = "pause";
constexpr const char* kRoleContainer = "container";
constexpr const char* kRoleVolume = "volume";

Labels LabelsOf(const json::object& o) {
  Labels out;
  const json::value* l = o.if_contains("Labels");
  if (!l) {
    if (auto* cfg = o.if_contains("Config"); cfg && cfg->is_object()) {
      l = cfg->as_object().if_contains("Labels");
    }
  }
  if (l && l->is_object()) {
    for (const auto& [k, v] : l->as_object()) {
      if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
    }
  }
  return out;
}

std::string Get(const Labels& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? std::string() : it->second;
}

AwsError Invalid(std::string message) {
  return AwsError::Make("InvalidParameterException", std::move(message), 400);
}

// Addresses of the VPC taken by other tasks' pause containers.
Result<std::set<uint32_t>> UsedAddresses(EngineClient& engine, const std::string& vpc_id) {
  FARGO_ASSIGN_OR_RETURN(json::array list,
                         engine.ContainerList({{kLabelRole, kRolePause}, {kLabelVpcId, vpc_id}}));
  std::set<uint32_t> used;
  for (const auto& c : list) {
    if (!c.is_object()) continue;
    if (auto ip = ParseIpv4(Get(LabelsOf(c.as_object()), kLabelIp))) used.insert(*ip);
  }
  return used;
}

}  // namespace

// ---------------------------------------------------------------- helpers

std::string DeriveMac(std::string_view eni_id) {
  uint64_t h = Fnv1a(eni_id, 0x6d61636d61636d61ull);
  char buf[18];
  // 0x0e: locally administered, unicast.
  std::snprintf(buf, sizeof buf, "0e:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>(h & 0xff),
                static_cast<unsigned>((h >> 8) & 0xff), static_cast<unsigned>((h >> 16) & 0xff),
                static_cast<unsigned>((h >> 24) & 0xff), static_cast<unsigned>((h >> 32) & 0xff));
  return buf;
}

std::string DeriveEniId(std::string_view task_arn) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(Fnv1a(task_arn)),
                static_cast<unsigned long long>(Fnv1a(task_arn, 0x9e3779b97f4a7c15ull)));
  return "eni-" + std::string(buf, 17);
}

std::string DefaultHostname(std::string_view ip) {
  std::string h = "ip-" + std::string(ip);
  for (char& c : h) {
    if (c == '.') c = '-';
  }
  return h + ".ec2.internal";
}

// ---------------------------------------------------------------- sandbox

Result<TaskSandbox> TaskSandbox::Create(EngineClient& engine, VpcFabric& fabric, const SandboxSpec& spec) {
  if (spec.task_arn.empty()) return Invalid("task ARN is required");
  auto vpc_cidr = ParseCidr(spec.vpc.cidr);
  auto subnet = ParseCidr(spec.subnet_cidr);
  if (!vpc_cidr) return Invalid("invalid VPC CIDR: " + spec.vpc.cidr);
  if (!subnet) return Invalid("invalid subnet CIDR: " + spec.subnet_cidr);
  if (!vpc_cidr->Covers(*subnet)) {
    return Invalid("subnet " + spec.subnet_cidr + " is not inside VPC " + spec.vpc.cidr);
  }
  std::optional<uint32_t> requested;
  if (!spec.ip.empty()) {
    requested = ParseIpv4(spec.ip);
    if (!requested || !subnet->Contains(*requested)) {
      return Invalid("address " + spec.ip + " is not inside subnet " + spec.subnet_cidr);
    }
  }

  FARGO_TRY(EnsurePauseImage(engine));
  FARGO_TRY(fabric.EnsureVpc(spec.vpc.vpc_id));

  TaskSandbox sb;
  sb.engine_ = &engine;
  sb.task_arn_ = spec.task_arn;
  sb.task_id_ = TaskIdOf(spec.task_arn);
  sb.eni_id_ = spec.eni_id.empty() ? DeriveEniId(spec.task_arn) : spec.eni_id;
  sb.mac_ = DeriveMac(sb.eni_id_);
  sb.subnet_id_ = spec.subnet_id;
  sb.vpc_id_ = spec.vpc.vpc_id;
  sb.labels_ = spec.labels;
  sb.labels_[kLabelManaged] = "true";
  sb.labels_[kLabelTaskArn] = spec.task_arn;
  sb.labels_[kLabelCluster] = spec.cluster;
  sb.labels_[kLabelVpcId] = spec.vpc.vpc_id;
  sb.labels_[kLabelSubnetId] = spec.subnet_id;

  // Any failure from here on removes what was created.
  auto fail = [&](AwsError e) -> Result<TaskSandbox> {
    (void)RemoveTask(engine, fabric, spec.task_arn, 0);
    return e;
  };

  std::set<uint32_t> used;
  if (!requested) {
    auto u = UsedAddresses(engine, spec.vpc.vpc_id);
    if (!u.ok()) return u.error();
    used = std::move(*u);
  }
  HostLimits host = HostLimits::Probe();
  uint64_t hint = Fnv1a(spec.task_arn);
  std::optional<uint32_t> addr = requested;
  if (!addr) addr = AllocateSubnetAddress(*subnet, used, hint);
  if (!addr) {
    return AwsError::Make("InsufficientFreeAddressesInSubnet",
                          "subnet " + spec.subnet_id + " (" + spec.subnet_cidr + ") has no free address", 400);
  }
  sb.ip_ = FormatIpv4(*addr);
  Labels labels = sb.labels_;
  labels[kLabelRole] = kRolePause;
  labels[kLabelIp] = sb.ip_;
  labels[kLabelEniId] = sb.eni_id_;
  labels[kLabelMac] = sb.mac_;
  labels[kLabelSubnetCidr] = subnet->ToString();
  // No network from the engine: the ENI is fargo's (VpcFabric).
  json::object body{
      {"Image", kPauseImage},
      {"Hostname", spec.hostname.empty() ? DefaultHostname(sb.ip_) : spec.hostname},
      {"HostConfig", json::object{{"NetworkMode", "none"},
                                  {"Ulimits", UlimitsToJson(ClampUlimits({}, host))},
                                  {"RestartPolicy", json::object{{"Name", "no"}}}}}};
  auto id = engine.ContainerCreate("fargo-" + sb.task_id_ + "-pause", body, labels);
  if (!id.ok()) return fail(id.error());
  sb.pause_id_ = *id;
  if (Status st = engine.ContainerStart(sb.pause_id_); !st.ok()) return fail(st.error());
  auto pid_or = engine.ContainerPid(sb.pause_id_);
  if (!pid_or.ok()) return fail(pid_or.error());
  int pid = *pid_or;
  if (pid <= 0) return fail(AwsError::Make(kEngineError, "the sandbox container has no process", 500));
  sb.pause_pid_ = pid;
  Status attached = fabric.AttachEni(EniAttachment{spec.vpc.vpc_id, subnet->ToString(), sb.ip_, sb.mac_, sb.eni_id_, pid});
  if (!attached.ok()) return fail(attached.error());
  // Egress as the subnet's route table decides; also clears what a task
  // that had this address before may have left.
  Status egress = fabric.SetEgress(spec.vpc.vpc_id, sb.ip_, HasEgress(spec.subnet_egress, spec.public_ip));
  if (!egress.ok()) return fail(egress.error());

  for (const auto& v : spec.volumes) {
    std::string name = sb.VolumeEngineName(v);
    Labels labels = sb.labels_;
    labels[kLabelRole] = kRoleVolume;
    labels[kLabelVolumeName] = v;
    auto created = engine.VolumeCreate(name, labels);
    if (!created.ok()) return fail(created.error());
    sb.volumes_[v] = name;
  }
  return sb;
}

Result<TaskSandbox> TaskSandbox::Adopt(EngineClient& engine, std::string_view task_arn) {
  std::string arn(task_arn);
  FARGO_ASSIGN_OR_RETURN(json::array pauses,
                         engine.ContainerList({{kLabelTaskArn, arn}, {kLabelRole, kRolePause}}));
  if (pauses.empty() || !pauses[0].is_object()) {
    return AwsError::Make(kEngineNotFound, "no sandbox for task " + arn, 404);
  }
  const json::object& pause = pauses[0].as_object();
  Labels l = LabelsOf(pause);
  TaskSandbox sb;
  sb.engine_ = &engine;
  sb.task_arn_ = arn;
  sb.task_id_ = TaskIdOf(arn);
  sb.pause_id_ = GetString(pause, "Id");
  sb.ip_ = Get(l, kLabelIp);
  sb.eni_id_ = Get(l, kLabelEniId);
  sb.subnet_id_ = Get(l, kLabelSubnetId);
  sb.vpc_id_ = Get(l, kLabelVpcId);
  sb.mac_ = Get(l, kLabelMac);
  sb.labels_ = l;
  for (const char* k : {kLabelRole, kLabelIp, kLabelEniId, kLabelMac, kLabelSubnetCidr}) sb.labels_.erase(k);
  FARGO_ASSIGN_OR_RETURN(json::array containers,
                         engine.ContainerList({{kLabelTaskArn, arn}, {kLabelRole, kRoleContainer}}));
  for (const auto& c : containers) {
    if (!c.is_object()) continue;
    sb.containers_[Get(LabelsOf(c.as_object()), kLabelContainerName)] = GetString(c.as_object(), "Id");
  }
  FARGO_ASSIGN_OR_RETURN(json::array volumes, engine.VolumeList({{kLabelTaskArn, arn}}));
  for (const auto& v : volumes) {
    if (!v.is_object()) continue;
    sb.volumes_[Get(LabelsOf(v.as_object()), kLabelVolumeName)] = GetString(v.as_object(), "Name");
  }
  return sb;
}

Result<std::vector<std::string>> TaskSandbox::ListTasks(EngineClient& engine,
                                                        const Labels& filters) {
  Labels f = filters;
  f[kLabelRole] = kRolePause;
  f[kLabelManaged] = "true";
  FARGO_ASSIGN_OR_RETURN(json::array list, engine.ContainerList(f));
  std::vector<std::string> arns;
  for (const auto& c : list) {
    if (c.is_object()) arns.push_back(Get(LabelsOf(c.as_object()), kLabelTaskArn));
  }
  return arns;
}

Status TaskSandbox::RemoveTask(EngineClient& engine, VpcFabric& fabric, std::string_view task_arn,
                               int stop_timeout_seconds) {
  std::string arn(task_arn);
  std::optional<AwsError> first_error;
  auto note = [&](const Status& st) {
    if (!st.ok() && !IsNotFound(st.error()) && !first_error) first_error = st.error();
  };
  auto list = engine.ContainerList({{kLabelTaskArn, arn}});
  if (!list.ok()) return list.error();
  std::vector<std::string> pause_ids, task_ids;
  std::vector<std::pair<std::string, std::string>> enis;  // vpc, eni
  std::vector<std::pair<std::string, std::string>> addresses;  // vpc, ip
  for (const auto& c : *list) {
    if (!c.is_object()) continue;
    std::string id = GetString(c.as_object(), "Id");
    Labels l = LabelsOf(c.as_object());
    bool pause = Get(l, kLabelRole) == kRolePause;
    (pause ? pause_ids : task_ids).push_back(id);
    if (pause) enis.emplace_back(Get(l, kLabelVpcId), Get(l, kLabelEniId));
    if (pause && !Get(l, kLabelIp).empty()) addresses.emplace_back(Get(l, kLabelVpcId), Get(l, kLabelIp));
  }
  // Stop the task's containers together (each gets its grace period), then
  // remove them before the pause container they depend on.
  if (stop_timeout_seconds > 0 && !task_ids.empty()) {
    std::vector<std::thread> stoppers;
    std::vector<Status> results(task_ids.size(), OkStatus());
    for (size_t i = 0; i < task_ids.size(); ++i) {
      stoppers.emplace_back([&, i] { results[i] = engine.ContainerStop(task_ids[i], stop_timeout_seconds); });
    }
    for (auto& t : stoppers) t.join();
    for (const auto& r : results) note(r);
  }
  for (const auto& id : task_ids) note(engine.ContainerRemove(id, true, true));
  for (const auto& id : pause_ids) note(engine.ContainerRemove(id, true, true));
  // The sandbox's end of the veth went with its namespace; this removes the
  // VPC's end should anything still hold it.
  for (const auto& [vpc, eni] : enis) note(fabric.DetachEni(vpc, eni));
  // Its address no longer has egress (the next task given it may not).
  for (const auto& [vpc, ip] : addresses) note(fabric.SetEgress(vpc, ip, false));
  auto volumes = engine.VolumeList({{kLabelTaskArn, arn}});
  if (!volumes.ok()) return volumes.error();
  for (const auto& v : *volumes) {
    if (v.is_object()) note(engine.VolumeRemove(GetString(v.as_object(), "Name"), true));
  }
  if (first_error) return *first_error;
  return OkStatus();
}

Status TaskSandbox::RemoveVpcIfUnused(EngineClient& engine, VpcFabric& fabric, const std::string& vpc_id) {
  FARGO_ASSIGN_OR_RETURN(std::set<uint32_t> used, UsedAddresses(engine, vpc_id));
  if (!used.empty()) return OkStatus();
  // A VPC routed from the host keeps its namespace until it is unrouted.
  if (!fabric.RoutedCidrs(vpc_id).empty()) return OkStatus();
  // So does a VPC with load balancers (their listeners live there).
  if (fabric.HasLoadBalancerAddresses(vpc_id)) return OkStatus();
  return fabric.RemoveVpc(vpc_id);
}

std::string TaskSandbox::ContainerEngineName(std::string_view container_name) const {
  return "fargo-" + task_id_ + "-" + std::string(container_name);
}

std::string TaskSandbox::VolumeEngineName(std::string_view volume) const {
  return "fargo-" + task_id_ + "-" + std::string(volume);
}

Result<json::object> BuildContainerCreateBody(const ContainerSpec& spec,
                                              std::string_view pause_id, const Labels& task_labels,
                                              const std::map<std::string, std::string>& volumes,
                                              const HostLimits& host) {
  if (spec.name.empty()) return Invalid("container name is required");
  if (spec.image.empty()) return Invalid("container " + spec.name + " has no image");
  json::object body;
  body["Image"] = NormalizeImageRef(spec.image);
  if (spec.entrypoint) body["Entrypoint"] = StringArray(*spec.entrypoint);
  if (spec.command) body["Cmd"] = StringArray(*spec.command);
  if (!spec.env.empty()) body["Env"] = StringArray(spec.env);
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  if (!spec.user.empty()) body["User"] = spec.user;
  body["Tty"] = spec.tty;
  body["OpenStdin"] = spec.interactive;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["StopTimeout"] = spec.stop_timeout_seconds;
  Labels labels = spec.labels;
  for (const auto& [k, v] : task_labels) labels[k] = v;
  labels[kLabelRole] = kRoleContainer;
  labels[kLabelContainerName] = spec.name;
  body["Labels"] = LabelsJson(labels);

  json::object hc;
  hc["NetworkMode"] = "container:" + std::string(pause_id);
  hc["Ulimits"] = UlimitsToJson(ClampUlimits(spec.ulimits, host));
  hc["RestartPolicy"] = json::object{{"Name", "no"}};
  if (spec.memory_mib > 0) hc["Memory"] = spec.memory_mib * 1024 * 1024;
  if (spec.memory_reservation_mib > 0) {
    hc["MemoryReservation"] = spec.memory_reservation_mib * 1024 * 1024;
  }
  if (spec.cpu_shares > 0) hc["CpuShares"] = spec.cpu_shares;
  if (spec.readonly_root_filesystem) hc["ReadonlyRootfs"] = true;
  if (spec.init) hc["Init"] = true;
  json::array mounts;
  for (const auto& m : spec.mounts) {
    auto it = volumes.find(m.volume);
    if (it == volumes.end()) {
      return Invalid("container " + spec.name + " mounts unknown volume " + m.volume);
    }
    if (!StartsWith(m.container_path, "/")) {
      return Invalid("container path must be absolute: " + m.container_path);
    }
    mounts.push_back(json::object{{"Type", "volume"},
                                  {"Source", it->second},
                                  {"Target", m.container_path},
                                  {"ReadOnly", m.read_only}});
  }
  if (!mounts.empty()) hc["Mounts"] = std::move(mounts);
  body["HostConfig"] = std::move(hc);
  return body;
}

Result<std::string> TaskSandbox::CreateContainer(const ContainerSpec& spec) {
  if (containers_.count(spec.name)) {
    return Invalid("container " + spec.name + " already exists in task " + task_arn_);
  }
  FARGO_ASSIGN_OR_RETURN(json::object body, BuildContainerCreateBody(spec, pause_id_, labels_, volumes_,
                                                                  HostLimits::Probe()));
  if (!resolv_conf_.empty()) {
    // A bind mount rather than HostConfig.Dns: the engine ignores Dns for a
    // container that joins another's network, and with network "none".
    json::object& hc = body["HostConfig"].as_object();
    json::array mounts = hc.contains("Mounts") ? hc["Mounts"].as_array() : json::array();
    mounts.push_back(json::object{
        {"Type", "bind"}, {"Source", resolv_conf_}, {"Target", "/etc/resolv.conf"}, {"ReadOnly", true}});
    hc["Mounts"] = std::move(mounts);
  }
  if (!ca_bundle_.empty()) {
    // fargo's CA next to the host's roots, where SDKs, OpenSSL, Python's
    // requests, Node and curl look: HTTPS to the AWS names is trusted.
    json::object& hc = body["HostConfig"].as_object();
    json::array mounts = hc.contains("Mounts") ? hc["Mounts"].as_array() : json::array();
    mounts.push_back(json::object{
        {"Type", "bind"}, {"Source", ca_bundle_}, {"Target", kCaBundlePath}, {"ReadOnly", true}});
    hc["Mounts"] = std::move(mounts);
    json::array env = body.contains("Env") ? body["Env"].as_array() : json::array();
    for (const char* var : kCaBundleVariables) {
      std::string prefix = std::string(var) + "=";
      bool set = false;
      for (const auto& e : env)
        if (e.is_string() && StartsWith(std::string_view(e.as_string()), prefix)) set = true;
      if (!set) env.emplace_back(prefix + kCaBundlePath);
    }
    body["Env"] = std::move(env);
  }
  FARGO_ASSIGN_OR_RETURN(std::string id,
                         engine_->ContainerCreate(ContainerEngineName(spec.name), body));
  containers_[spec.name] = id;
  return id;
}

Status TaskSandbox::Teardown(VpcFabric& fabric, int stop_timeout_seconds) {
  Status st = RemoveTask(*engine_, fabric, task_arn_, stop_timeout_seconds);
  if (st.ok()) {
    containers_.clear();
    volumes_.clear();
    pause_id_.clear();
  }
  return st;
}

}  // namespace fargo::runtime
