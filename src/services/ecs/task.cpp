#include "services/ecs/task.h"

#include <array>
#include <utility>

#include "services/ecs/ecs_util.h"
#include "services/service.h"

namespace fargo::services::ecs {
namespace {

constexpr std::array<std::string_view, 8> kTaskStatus = {"PROVISIONING", "PENDING",  "ACTIVATING",     "RUNNING",
                                                         "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"};
constexpr std::array<std::string_view, 7> kStopCode = {"",
                                                       "TaskFailedToStart",
                                                       "EssentialContainerExited",
                                                       "UserInitiated",
                                                       "ServiceSchedulerInitiated",
                                                       "SpotInterruption",
                                                       "TerminationNotice"};
constexpr std::array<std::string_view, 3> kHealth = {"UNKNOWN", "HEALTHY", "UNHEALTHY"};
constexpr std::array<std::string_view, 3> kContainerStatus = {"PENDING", "RUNNING", "STOPPED"};
constexpr std::array<std::string_view, 3> kAttachmentStatus = {"PRECREATED", "ATTACHED", "DELETED"};

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

void PutTime(json::object& o, std::string_view k, const std::optional<double>& t) {
  if (t) o[k] = *t;
}

std::optional<int64_t> IntOfString(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_string()) return std::nullopt;
  return std::atoll(v->as_string().c_str());
}

std::string Detail(const json::object& att, std::string_view name) {
  if (const json::array* d = GetArray(att, "details"))
    for (auto& kv : *d)
      if (kv.is_object() && GetString(kv.as_object(), "name") == name) return GetString(kv.as_object(), "value");
  return "";
}

json::object NameValue(std::string_view name, const std::string& value) {
  return json::object{{"name", name}, {"value", value}};
}

json::object AttachmentDoc(const Attachment& a) {
  json::array details{NameValue("subnetId", a.subnet_id)};
  if (!a.private_ip.empty()) {
    details.push_back(NameValue("networkInterfaceId", a.network_interface_id));
    details.push_back(NameValue("macAddress", a.mac_address));
    details.push_back(NameValue("privateDnsName", a.private_dns_name));
    details.push_back(NameValue("privateIPv4Address", a.private_ip));
  }
  return json::object{{"id", a.id}, {"type", "ElasticNetworkInterface"}, {"status", Name(a.status)},
                      {"details", std::move(details)}};
}

Attachment AttachmentOf(const json::object& o) {
  Attachment a;
  a.id = GetString(o, "id");
  a.status = Parse<AttachmentStatus>(kAttachmentStatus, GetString(o, "status")).value_or(AttachmentStatus::kPrecreated);
  a.subnet_id = Detail(o, "subnetId");
  a.network_interface_id = Detail(o, "networkInterfaceId");
  a.mac_address = Detail(o, "macAddress");
  a.private_dns_name = Detail(o, "privateDnsName");
  a.private_ip = Detail(o, "privateIPv4Address");
  return a;
}

json::object ContainerDoc(const Container& c, const Task& t) {
  json::object o;
  o["containerArn"] = c.container_arn;
  o["taskArn"] = t.task_arn;
  o["name"] = c.name;
  o["image"] = c.image;
  if (!c.image_digest.empty()) o["imageDigest"] = c.image_digest;
  if (!c.runtime_id.empty()) o["runtimeId"] = c.runtime_id;
  o["lastStatus"] = Name(c.last_status);
  if (c.exit_code) o["exitCode"] = *c.exit_code;
  if (!c.reason.empty()) o["reason"] = c.reason;
  json::array nics;
  if (c.network_bound)
    nics.push_back(json::object{{"attachmentId", t.attachment.id}, {"privateIpv4Address", t.attachment.private_ip}});
  o["networkInterfaces"] = std::move(nics);
  o["healthStatus"] = Name(c.health_status);
  o["cpu"] = std::to_string(c.cpu);
  if (c.memory) o["memory"] = std::to_string(*c.memory);
  if (c.memory_reservation) o["memoryReservation"] = std::to_string(*c.memory_reservation);
  if (c.exec_agent) {
    json::object a{{"name", "ExecuteCommandAgent"}, {"lastStatus", Name(c.exec_agent->last_status)}};
    PutTime(a, "lastStartedAt", c.exec_agent->last_started_at);
    o["managedAgents"] = json::array{std::move(a)};
  }
  return o;
}

Container ContainerOf(const json::object& o) {
  Container c;
  c.container_arn = GetString(o, "containerArn");
  c.name = GetString(o, "name");
  c.image = GetString(o, "image");
  c.image_digest = GetString(o, "imageDigest");
  c.runtime_id = GetString(o, "runtimeId");
  c.last_status = ParseContainerStatus(GetString(o, "lastStatus")).value_or(ContainerStatus::kPending);
  if (auto* v = o.if_contains("exitCode"); v && v->is_number()) c.exit_code = v->to_number<int64_t>();
  c.reason = GetString(o, "reason");
  c.health_status = ParseHealthStatus(GetString(o, "healthStatus")).value_or(HealthStatus::kUnknown);
  c.cpu = IntOfString(o, "cpu").value_or(0);
  c.memory = IntOfString(o, "memory");
  c.memory_reservation = IntOfString(o, "memoryReservation");
  if (const json::array* nics = GetArray(o, "networkInterfaces")) c.network_bound = !nics->empty();
  if (const json::array* agents = GetArray(o, "managedAgents"); agents && !agents->empty() && (*agents)[0].is_object()) {
    const json::object& a = (*agents)[0].as_object();
    c.exec_agent = ManagedAgent{ParseContainerStatus(GetString(a, "lastStatus")).value_or(ContainerStatus::kPending),
                                NumberOf(a, "lastStartedAt")};
  }
  return c;
}

}  // namespace

std::string_view Name(TaskStatus s) { return kTaskStatus[static_cast<size_t>(s)]; }
std::string_view Name(DesiredStatus s) { return s == DesiredStatus::kRunning ? "RUNNING" : "STOPPED"; }
std::string_view Name(StopCode c) { return kStopCode[static_cast<size_t>(c)]; }
std::string_view Name(HealthStatus h) { return kHealth[static_cast<size_t>(h)]; }
std::string_view Name(ContainerStatus s) { return kContainerStatus[static_cast<size_t>(s)]; }
std::string_view Name(AttachmentStatus s) { return kAttachmentStatus[static_cast<size_t>(s)]; }
std::optional<TaskStatus> ParseTaskStatus(std::string_view s) { return Parse<TaskStatus>(kTaskStatus, s); }
StopCode ParseStopCode(std::string_view s) { return Parse<StopCode>(kStopCode, s).value_or(StopCode::kNone); }
std::optional<HealthStatus> ParseHealthStatus(std::string_view s) { return Parse<HealthStatus>(kHealth, s); }
std::optional<ContainerStatus> ParseContainerStatus(std::string_view s) {
  return Parse<ContainerStatus>(kContainerStatus, s);
}

json::object EncodeTask(const Task& t, bool tags) {
  json::object o;
  o["attachments"] = json::array{AttachmentDoc(t.attachment)};
  o["attributes"] = json::array{NameValue("ecs.cpu-architecture", "x86_64")};
  o["availabilityZone"] = t.availability_zone;
  if (!t.capacity_provider.empty()) o["capacityProviderName"] = t.capacity_provider;
  o["clusterArn"] = t.cluster_arn;
  if (t.connectivity_at) {
    o["connectivity"] = "CONNECTED";
    o["connectivityAt"] = *t.connectivity_at;
  }
  json::array containers;
  for (auto& c : t.containers) containers.push_back(ContainerDoc(c, t));
  o["containers"] = std::move(containers);
  o["cpu"] = t.cpu;
  o["createdAt"] = t.created_at;
  o["desiredStatus"] = Name(t.desired_status);
  o["enableExecuteCommand"] = t.enable_execute_command;
  PutTime(o, "executionStoppedAt", t.execution_stopped_at);
  o["group"] = t.group;
  o["healthStatus"] = Name(t.health_status);
  o["lastStatus"] = Name(t.last_status);
  o["launchType"] = t.launch_type;
  o["memory"] = t.memory;
  o["overrides"] = t.overrides;
  o["platformVersion"] = "1.4.0";
  o["platformFamily"] = "Linux";
  PutTime(o, "pullStartedAt", t.pull_started_at);
  PutTime(o, "pullStoppedAt", t.pull_stopped_at);
  PutTime(o, "startedAt", t.started_at);
  if (!t.started_by.empty()) o["startedBy"] = t.started_by;
  if (t.stop_code != StopCode::kNone) o["stopCode"] = Name(t.stop_code);
  PutTime(o, "stoppedAt", t.stopped_at);
  if (t.stop_code != StopCode::kNone || !t.stopped_reason.empty()) o["stoppedReason"] = t.stopped_reason;
  PutTime(o, "stoppingAt", t.stopping_at);
  if (tags) o["tags"] = t.tags;
  o["taskArn"] = t.task_arn;
  o["taskDefinitionArn"] = t.task_definition_arn;
  o["version"] = t.version;
  o["ephemeralStorage"] = json::object{{"sizeInGiB", 20}};
  o["fargateEphemeralStorage"] = json::object{{"sizeInGiB", 20}};
  return o;
}

json::object ToStored(const Task& t) {
  json::object o = EncodeTask(t, true);
  o["_account"] = t.account;
  o["_subnetCidr"] = t.subnet_cidr;
  json::array sgs;
  for (auto& s : t.security_groups) sgs.push_back(json::string(s));
  o["_securityGroups"] = std::move(sgs);
  if (!t.credentials_id.empty()) {
    o["_credentialsId"] = t.credentials_id;
    o["_taskRoleArn"] = t.task_role_arn;
  }
  if (!t.service.empty()) o["_service"] = t.service;
  if (t.plan) o["_plan"] = runtime::ToJson(*t.plan);
  PutTime(o, "_runningSince", t.running_since);
  if (t.eni_id) o["_eniId"] = *t.eni_id;
  if (t.ec2_interface) o["_ec2Interface"] = true;
  return o;
}

Result<Task> TaskFromStored(const json::object& o) {
  Task t;
  t.task_arn = GetString(o, "taskArn");
  if (t.task_arn.empty()) return AwsError::Make("InternalFailure", "a stored task has no taskArn");
  t.cluster_arn = GetString(o, "clusterArn");
  t.task_definition_arn = GetString(o, "taskDefinitionArn");
  if (const json::array* a = GetArray(o, "attachments"); a && !a->empty() && (*a)[0].is_object())
    t.attachment = AttachmentOf((*a)[0].as_object());
  t.availability_zone = GetString(o, "availabilityZone");
  t.capacity_provider = GetString(o, "capacityProviderName");
  if (Has(o, "connectivity")) t.connectivity_at = NumberOf(o, "connectivityAt").value_or(0);
  if (const json::array* cs = GetArray(o, "containers"))
    for (auto& c : *cs)
      if (c.is_object()) t.containers.push_back(ContainerOf(c.as_object()));
  t.cpu = GetString(o, "cpu");
  t.memory = GetString(o, "memory");
  t.created_at = NumberOf(o, "createdAt").value_or(0);
  t.desired_status = GetString(o, "desiredStatus") == "STOPPED" ? DesiredStatus::kStopped : DesiredStatus::kRunning;
  t.last_status = ParseTaskStatus(GetString(o, "lastStatus")).value_or(TaskStatus::kProvisioning);
  t.health_status = ParseHealthStatus(GetString(o, "healthStatus")).value_or(HealthStatus::kUnknown);
  t.enable_execute_command = GetBool(o, "enableExecuteCommand");
  t.group = GetString(o, "group");
  t.launch_type = GetString(o, "launchType", "FARGATE");
  t.started_by = GetString(o, "startedBy");
  if (const json::object* ov = GetObject(o, "overrides")) t.overrides = *ov;
  t.pull_started_at = NumberOf(o, "pullStartedAt");
  t.pull_stopped_at = NumberOf(o, "pullStoppedAt");
  t.started_at = NumberOf(o, "startedAt");
  t.stopping_at = NumberOf(o, "stoppingAt");
  t.execution_stopped_at = NumberOf(o, "executionStoppedAt");
  t.stopped_at = NumberOf(o, "stoppedAt");
  t.stop_code = ParseStopCode(GetString(o, "stopCode"));
  t.stopped_reason = GetString(o, "stoppedReason");
  if (const json::array* tags = GetArray(o, "tags")) t.tags = *tags;
  t.version = GetInt(o, "version");
  t.account = GetString(o, "_account");
  t.subnet_cidr = GetString(o, "_subnetCidr");
  if (const json::array* sgs = GetArray(o, "_securityGroups"))
    for (auto& s : *sgs)
      if (s.is_string()) t.security_groups.emplace_back(s.as_string());
  t.credentials_id = GetString(o, "_credentialsId");
  t.task_role_arn = GetString(o, "_taskRoleArn");
  t.service = GetString(o, "_service");
  if (const json::object* plan = GetObject(o, "_plan")) {
    auto p = runtime::TaskPlanFromJson(*plan);
    if (p.ok()) t.plan = std::move(p.value());
  }
  t.running_since = NumberOf(o, "_runningSince");
  if (Has(o, "_eniId")) t.eni_id = GetString(o, "_eniId");
  t.ec2_interface = GetBool(o, "_ec2Interface");
  return t;
}

}  // namespace fargo::services::ecs
