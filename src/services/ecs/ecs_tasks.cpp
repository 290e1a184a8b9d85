// EcsService: tasks (RunTask, StopTask, DescribeTasks, ListTasks), runtime
// reports, and the task metadata and credentials endpoints.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_service.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/task_definition.h"
#include "services/ecs/task_plan_builder.h"

namespace fargo::services {

using namespace ecs;  // NOLINT: the folder's own helpers

namespace {

// STOPPED tasks stay describable this long.
constexpr double kStoppedTaskRetentionSeconds = 3600;

int StatusRank(const std::string& s) {
  if (s == "PROVISIONING") return 0;
  if (s == "PENDING") return 1;
  if (s == "ACTIVATING") return 2;
  if (s == "RUNNING") return 3;
  if (s == "DEACTIVATING") return 4;
  if (s == "STOPPING") return 5;
  if (s == "DEPROVISIONING") return 6;
  if (s == "STOPPED") return 7;
  return -1;
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Sets a timestamp member from a report value (0 = not reached yet).
void SetTime(json::object& o, std::string_view k, int64_t ms) {
  if (ms > 0) o[k] = Seconds(ms);
}

bool Includes(const json::object& in, std::string_view field) {
  if (const json::array* inc = GetArray(in, "include"))
    for (auto& v : *inc)
      if (v.is_string() && v.as_string() == field) return true;
  return false;
}

std::vector<std::string> Strings(const json::array* a) {
  std::vector<std::string> out;
  if (a)
    for (auto& v : *a)
      if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

// "2024-05-01T12:00:00.123Z" (the metadata endpoint's timestamps).
std::string Rfc3339(double seconds) {
  auto ms = static_cast<int64_t>(std::llround(seconds * 1000));
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

double Num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<double>() : 0.0;
}

json::object* FirstAttachment(json::object& task) {
  auto* a = task.if_contains("attachments");
  if (!a || !a->is_array() || a->as_array().empty() || !a->as_array()[0].is_object()) return nullptr;
  return &a->as_array()[0].as_object();
}

std::string AttachmentDetail(const json::object& att, std::string_view name) {
  if (const json::array* d = GetArray(att, "details"))
    for (auto& kv : *d)
      if (kv.is_object() && GetString(kv.as_object(), "name") == name) return GetString(kv.as_object(), "value");
  return "";
}

void SetAttachmentDetail(json::object& att, const std::string& name, const std::string& value) {
  auto& d = att["details"];
  if (!d.is_array()) d = json::array{};
  for (auto& kv : d.as_array())
    if (kv.is_object() && GetString(kv.as_object(), "name") == name) {
      kv.as_object()["value"] = value;
      return;
    }
  d.as_array().push_back(json::object{{"name", name}, {"value", value}});
}

// "10.0.1.0/24" -> "10.0.1.1/24" (the subnet's router, as the metadata endpoint shows it).
std::string GatewayOf(const std::string& cidr) {
  size_t slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  size_t dot = ip.rfind('.');
  if (dot == std::string::npos) return "";
  int last = std::atoi(ip.c_str() + dot + 1) + 1;
  return ip.substr(0, dot + 1) + std::to_string(last) + (slash == std::string::npos ? "" : cidr.substr(slash));
}

}  // namespace

// ---------------------------------------------------------------- documents

std::string EcsService::TaskKeyOfArn(const std::string& arn) {
  auto r = ParseResourceArn(arn);
  if (!r || r->kind != "task") return "";
  if (r->path.find('/') == std::string::npos) return "";
  return store::Collection::Key(r->region, r->path);
}

json::object EcsService::TaskView(const json::object& doc, bool tags) {
  json::object v;
  for (auto& [k, val] : doc)
    if (!k.starts_with("_")) v[k] = val;
  if (!tags) v.erase("tags");
  return v;
}

Status EcsService::PutTask(const std::string& key, json::object doc) {
  doc["version"] = GetInt(doc, "version") + 1;
  return tasks_.Put(key, std::move(doc));
}

Result<json::object> EcsService::LaunchTask(const TaskLaunch& l) {
  const json::object& td = *l.task_definition;
  const json::object& cluster = *l.cluster;
  std::string cluster_name = GetString(cluster, "clusterName");
  std::string id = env_.ids.Hex(32);
  std::string arn = TaskArn(l.region, l.account, cluster_name, id);
  std::string key = store::Collection::Key(l.region, cluster_name + "/" + id);
  double now = env_.clock.NowSeconds();
  std::string task_role = GetString(l.overrides, "taskRoleArn", GetString(td, "taskRoleArn"));
  std::string creds = task_role.empty() ? "" : env_.ids.Uuid();
  std::string prefix = "arn:aws:ecs:" + l.region + ":" + l.account + ":";

  // Network: one of the task's subnets, in turn.
  std::vector<std::string> subnets = Strings(GetArray(l.awsvpc, "subnets"));
  std::string subnet = subnets.empty() ? "" : subnets[subnet_rr_++ % subnets.size()];
  std::string failure;
  PlanNetwork pn;
  pn.subnet_id = subnet;
  std::string az = l.region + "a";
  if (subnet.empty()) {
    failure = "ResourceInitializationError: the task has no subnet to attach its network interface to.";
  } else if (network_) {
    if (auto net = network_(l.region, subnet)) {
      pn.vpc_id = net->vpc_id;
      pn.vpc_cidr = net->vpc_cidr;
      pn.subnet_cidr = net->subnet_cidr;
      if (!net->availability_zone.empty()) az = net->availability_zone;
    } else {
      failure = "ResourceInitializationError: failed to configure ENI: the subnet ID '" + subnet +
                "' does not exist.";
    }
  }

  json::object task;
  std::string attachment_id = env_.ids.Uuid();
  task["attachments"] = json::array{json::object{
      {"id", attachment_id},
      {"type", "ElasticNetworkInterface"},
      {"status", "PRECREATED"},
      {"details", json::array{json::object{{"name", "subnetId"}, {"value", subnet}}}}}};
  task["attributes"] = json::array{json::object{{"name", "ecs.cpu-architecture"}, {"value", "x86_64"}}};
  task["availabilityZone"] = az;
  if (!l.capacity_provider.empty()) task["capacityProviderName"] = l.capacity_provider;
  task["clusterArn"] = cluster.at("clusterArn");

  // Containers, with their overrides.
  json::array containers, container_overrides;
  const json::array* given_overrides = GetArray(l.overrides, "containerOverrides");
  for (auto& cv : td.at("containerDefinitions").as_array()) {
    const json::object& c = cv.as_object();
    std::string name = GetString(c, "name");
    json::object co{{"name", name}};
    if (given_overrides)
      for (auto& o : *given_overrides)
        if (o.is_object() && GetString(o.as_object(), "name") == name) co = o.as_object();
    container_overrides.push_back(co);
    json::object tc;
    tc["containerArn"] = prefix + "container/" + cluster_name + "/" + id + "/" + env_.ids.Uuid();
    tc["taskArn"] = arn;
    tc["name"] = name;
    tc["image"] = GetString(c, "image");
    tc["lastStatus"] = "PENDING";
    tc["networkInterfaces"] = json::array{};
    tc["healthStatus"] = "UNKNOWN";
    int64_t cpu = Has(co, "cpu") ? GetInt(co, "cpu") : GetInt(c, "cpu");
    tc["cpu"] = std::to_string(cpu);
    int64_t mem = Has(co, "memory") ? GetInt(co, "memory") : GetInt(c, "memory");
    if (mem > 0) tc["memory"] = std::to_string(mem);
    int64_t res = Has(co, "memoryReservation") ? GetInt(co, "memoryReservation") : GetInt(c, "memoryReservation");
    if (res > 0) tc["memoryReservation"] = std::to_string(res);
    if (l.enable_execute_command)
      tc["managedAgents"] = json::array{json::object{{"name", "ExecuteCommandAgent"}, {"lastStatus", "PENDING"}}};
    containers.push_back(std::move(tc));
  }
  task["containers"] = std::move(containers);
  std::string cpu = GetString(l.overrides, "cpu", GetString(td, "cpu"));
  std::string memory = GetString(l.overrides, "memory", GetString(td, "memory"));
  if (auto c = ParseCpuUnits(cpu)) cpu = std::to_string(*c);
  if (auto m = ParseMemoryMiB(memory)) memory = std::to_string(*m);
  task["cpu"] = cpu;
  task["createdAt"] = now;
  task["desiredStatus"] = "RUNNING";
  task["enableExecuteCommand"] = l.enable_execute_command;
  task["group"] = l.group;
  task["healthStatus"] = "UNKNOWN";
  task["lastStatus"] = "PROVISIONING";
  task["launchType"] = l.launch_type;
  task["memory"] = memory;
  json::object overrides{{"containerOverrides", std::move(container_overrides)},
                         {"inferenceAcceleratorOverrides", json::array{}}};
  for (const char* k : {"cpu", "memory", "taskRoleArn", "executionRoleArn", "ephemeralStorage"})
    if (Has(l.overrides, k)) overrides[k] = l.overrides.at(k);
  task["overrides"] = std::move(overrides);
  task["platformVersion"] = "1.4.0";
  task["platformFamily"] = "Linux";
  if (!l.started_by.empty()) task["startedBy"] = l.started_by;
  task["tags"] = l.tags;
  task["taskArn"] = arn;
  task["taskDefinitionArn"] = td.at("taskDefinitionArn");
  task["version"] = 0;  // PutTask makes it 1
  task["ephemeralStorage"] = json::object{{"sizeInGiB", 20}};
  task["fargateEphemeralStorage"] = json::object{{"sizeInGiB", 20}};

  // Internals.
  task["_account"] = l.account;
  task["_subnetCidr"] = pn.subnet_cidr;
  task["_securityGroups"] = GetArray(l.awsvpc, "securityGroups") ? *GetArray(l.awsvpc, "securityGroups") : json::array{};
  if (!creds.empty()) {
    task["_credentialsId"] = creds;
    task["_taskRoleArn"] = task_role;
  }
  if (!l.service_name.empty()) task["_service"] = l.service_name;

  if (failure.empty()) {
    PlanInput pin;
    pin.region = l.region;
    pin.task_arn = arn;
    pin.cluster = cluster_name;
    pin.task_definition = &td;
    pin.overrides = l.overrides;
    pin.network = pn;
    pin.credentials_id = creds;
    pin.service_name = l.service_name;
    pin.read_object = read_object_;
    auto plan = BuildTaskPlan(pin);
    if (plan.ok()) task["_plan"] = runtime::ToJson(plan.value());
    else failure = "ResourceInitializationError: " + plan.error().message;
  }

  if (!failure.empty()) {
    task["desiredStatus"] = "STOPPED";
    task["lastStatus"] = "STOPPED";
    task["stopCode"] = "TaskFailedToStart";
    task["stoppedReason"] = failure;
    task["stoppingAt"] = now;
    task["executionStoppedAt"] = now;
    task["stoppedAt"] = now;
    FirstAttachment(task)->operator[]("status") = "DELETED";
    for (auto& c : task["containers"].as_array()) c.as_object()["lastStatus"] = "STOPPED";
    FARGO_TRY(PutTask(key, task));
    NoteServiceTaskStopped(*tasks_.Find(key));
    return *tasks_.Find(key);
  }
  FARGO_TRY(PutTask(key, task));
  if (driver_) {
    auto plan = runtime::TaskPlanFromJson(task["_plan"].as_object());
    if (plan.ok()) driver_->Launch(plan.value());
  }
  return *tasks_.Find(key);
}

Status EcsService::StopTaskDoc(const std::string& key, const std::string& stop_code, const std::string& reason) {
  const json::object* cur = tasks_.Find(key);
  if (!cur) return OkStatus();
  if (GetString(*cur, "desiredStatus") == "STOPPED" || GetString(*cur, "lastStatus") == "STOPPED") return OkStatus();
  json::object doc = *cur;
  double now = env_.clock.NowSeconds();
  doc["desiredStatus"] = "STOPPED";
  doc["stopCode"] = stop_code;
  doc["stoppedReason"] = reason;
  doc["stoppingAt"] = now;
  if (driver_) {
    FARGO_TRY(PutTask(key, std::move(doc)));
    driver_->Stop(GetString(*tasks_.Find(key), "taskArn"));
    return OkStatus();
  }
  // Nothing runs it: it is stopped at once.
  runtime::TaskReport r;
  r.task_arn = GetString(doc, "taskArn");
  r.last_status = "STOPPED";
  r.execution_stopped_at_ms = r.stopped_at_ms = env_.clock.NowMillis();
  FARGO_TRY(PutTask(key, std::move(doc)));
  ApplyTaskReport(r);
  return OkStatus();
}

void EcsService::ExpireTasks(double now) {
  std::vector<std::string> gone;
  for (auto& [key, doc] : tasks_.all())
    if (GetString(doc, "lastStatus") == "STOPPED") {
      double at = Num(doc, "stoppedAt");
      if (now - at >= kStoppedTaskRetentionSeconds) gone.push_back(key);
    }
  for (auto& key : gone) (void)tasks_.Erase(key);
}

// ---------------------------------------------------------------- runtime reports

void EcsService::ApplyTaskReport(const runtime::TaskReport& report) {
  std::string key = TaskKeyOfArn(report.task_arn);
  const json::object* cur = key.empty() ? nullptr : tasks_.Find(key);
  if (!cur) return;
  std::string was = GetString(*cur, "lastStatus");
  if (was == "STOPPED") return;
  int rank = StatusRank(report.last_status);
  if (rank < 0 || rank < StatusRank(was)) return;
  json::object doc = *cur;
  double now = env_.clock.NowSeconds();
  std::string region = key.substr(0, key.find('/'));
  bool stopped = report.last_status == "STOPPED";

  doc["lastStatus"] = report.last_status;
  SetTime(doc, "pullStartedAt", report.pull_started_at_ms);
  SetTime(doc, "pullStoppedAt", report.pull_stopped_at_ms);
  if (!Has(doc, "startedAt")) SetTime(doc, "startedAt", report.started_at_ms);  // kept across adoption
  if (!Has(doc, "stoppingAt")) SetTime(doc, "stoppingAt", report.stopping_at_ms);
  SetTime(doc, "executionStoppedAt", report.execution_stopped_at_ms);
  SetTime(doc, "stoppedAt", report.stopped_at_ms);
  if (stopped && !Has(doc, "stoppedAt")) doc["stoppedAt"] = now;
  if (stopped && !Has(doc, "executionStoppedAt")) doc["executionStoppedAt"] = doc["stoppedAt"];
  if (!report.health_status.empty()) doc["healthStatus"] = report.health_status;
  if (rank >= StatusRank("PENDING") && !Has(doc, "connectivity")) {
    doc["connectivity"] = "CONNECTED";
    doc["connectivityAt"] = report.pull_started_at_ms > 0 ? Seconds(report.pull_started_at_ms) : now;
  }
  if (report.last_status == "RUNNING" && !Has(doc, "_runningSince")) doc["_runningSince"] = now;

  // The runtime ended the task by itself.
  if (GetString(doc, "desiredStatus") != "STOPPED" && (rank >= StatusRank("DEACTIVATING") || !report.stop_code.empty())) {
    doc["desiredStatus"] = "STOPPED";
    doc["stopCode"] = report.stop_code.empty() ? std::string("EssentialContainerExited") : report.stop_code;
    doc["stoppedReason"] =
        report.stopped_reason.empty() ? std::string("Essential container in task exited") : report.stopped_reason;
    if (!Has(doc, "stoppingAt")) doc["stoppingAt"] = report.stopping_at_ms > 0 ? Seconds(report.stopping_at_ms) : now;
  }

  // The network interface.
  json::object* att = FirstAttachment(doc);
  std::string attachment_id = att ? GetString(*att, "id") : "";
  if (att && !report.ip.empty()) {
    if (!Has(doc, "_eniId")) {
      std::string eni = report.eni_id;
      if (create_interface_ && !stopped) {
        TaskInterface ti;
        ti.region = region;
        ti.account = GetString(doc, "_account");
        ti.subnet_id = report.subnet_id.empty() ? AttachmentDetail(*att, "subnetId") : report.subnet_id;
        ti.private_ip = report.ip;
        ti.security_groups = Strings(GetArray(doc, "_securityGroups"));
        ti.description = "arn:aws:ecs:" + region + ":" + ti.account + ":attachment/" + attachment_id;
        if (auto made = create_interface_(ti); made.ok()) {
          eni = made.value();
          doc["_ec2Interface"] = true;
        }
      }
      doc["_eniId"] = eni;
    }
    if (!report.subnet_id.empty()) SetAttachmentDetail(*att, "subnetId", report.subnet_id);
    SetAttachmentDetail(*att, "networkInterfaceId", GetString(doc, "_eniId"));
    SetAttachmentDetail(*att, "macAddress", report.mac);
    SetAttachmentDetail(*att, "privateDnsName", report.hostname);
    SetAttachmentDetail(*att, "privateIPv4Address", report.ip);
    if (!stopped) (*att)["status"] = "ATTACHED";
  }

  // Containers.
  for (auto& cv : doc["containers"].as_array()) {
    json::object& c = cv.as_object();
    std::string name = GetString(c, "name");
    for (const auto& rc : report.containers) {
      if (rc.name != name) continue;
      if (!rc.runtime_id.empty()) c["runtimeId"] = rc.runtime_id;
      if (!rc.image_digest.empty()) c["imageDigest"] = rc.image_digest;
      c["lastStatus"] = rc.last_status;
      if (rc.exit_code) c["exitCode"] = *rc.exit_code;
      if (!rc.reason.empty()) c["reason"] = rc.reason;
      if (!rc.health_status.empty()) c["healthStatus"] = rc.health_status;
      if (auto* agents = c.if_contains("managedAgents"); agents && agents->is_array())
        for (auto& a : agents->as_array()) {
          std::string st = rc.last_status == "RUNNING" ? "RUNNING" : rc.last_status == "STOPPED" ? "STOPPED" : "PENDING";
          if (GetString(a.as_object(), "lastStatus") != st) {
            a.as_object()["lastStatus"] = st;
            if (st == "RUNNING") a.as_object()["lastStartedAt"] = now;
          }
        }
    }
    if (!report.ip.empty())
      c["networkInterfaces"] = json::array{
          json::object{{"attachmentId", attachment_id}, {"privateIpv4Address", report.ip}}};
    if (stopped && GetString(c, "lastStatus") != "STOPPED") c["lastStatus"] = "STOPPED";
  }

  if (stopped) {
    if (att) (*att)["status"] = "DELETED";
    if (GetBool(doc, "_ec2Interface") && remove_interface_) remove_interface_(region, GetString(doc, "_eniId"));
    doc.erase("_ec2Interface");
  }
  if (json::value(doc) == json::value(*cur)) return;
  if (!PutTask(key, std::move(doc)).ok()) return;
  const json::object& saved = *tasks_.Find(key);
  if (stopped) NoteServiceTaskStopped(saved);
  std::string service = GetString(saved, "_service");
  if (!service.empty()) {
    std::string cluster_name = key.substr(region.size() + 1);
    cluster_name = cluster_name.substr(0, cluster_name.find('/'));
    Schedule(store::Collection::Key(region, cluster_name + "/" + service));
  }
}

std::vector<runtime::TaskPlan> EcsService::LiveTaskPlans() {
  std::vector<runtime::TaskPlan> out;
  for (auto& [key, doc] : tasks_.all()) {
    if (GetString(doc, "lastStatus") == "STOPPED") continue;
    const json::object* plan = GetObject(doc, "_plan");
    if (!plan) continue;
    if (auto p = runtime::TaskPlanFromJson(*plan); p.ok()) out.push_back(std::move(p.value()));
  }
  return out;
}

void EcsService::ResumeStops() {
  if (!driver_) return;
  for (auto& [key, doc] : tasks_.all())
    if (GetString(doc, "lastStatus") != "STOPPED" && GetString(doc, "desiredStatus") == "STOPPED")
      driver_->Stop(GetString(doc, "taskArn"));
}

// ---------------------------------------------------------------- endpoints

std::optional<EcsService::TaskCredentialsTarget> EcsService::TaskCredentials(const std::string& credentials_id) {
  if (credentials_id.empty()) return std::nullopt;
  for (auto& [key, doc] : tasks_.all()) {
    if (GetString(doc, "_credentialsId") != credentials_id) continue;
    if (GetString(doc, "lastStatus") == "STOPPED") return std::nullopt;
    return TaskCredentialsTarget{key.substr(0, key.find('/')), GetString(doc, "_account"),
                                 GetString(doc, "_taskRoleArn"), GetString(doc, "taskArn")};
  }
  return std::nullopt;
}

Result<json::value> EcsService::TaskMetadata(const std::string& token, const std::string& subpath) {
  AwsError missing = AwsError::Make("NotFound", "Unable to find task for the metadata token.", 404);
  size_t dash = token.rfind('-');
  if (dash == std::string::npos) return missing;
  std::string task_id = token.substr(0, dash);
  size_t index = 0;
  try {
    index = std::stoul(token.substr(dash + 1));
  } catch (...) {
    return missing;
  }
  const json::object* task = nullptr;
  std::string task_key;
  for (auto& [key, doc] : tasks_.all())
    if (key.size() > task_id.size() && key.compare(key.size() - task_id.size(), task_id.size(), task_id) == 0 &&
        key[key.size() - task_id.size() - 1] == '/') {
      task = &doc;
      task_key = key;
    }
  if (!task) return missing;
  const json::array& containers = task->at("containers").as_array();
  if (index >= containers.size()) return missing;
  std::string region = task_key.substr(0, task_key.find('/'));
  std::string td_arn = GetString(*task, "taskDefinitionArn");
  auto ref = ParseTaskDefinitionRef(td_arn);
  std::string family = ref ? ref->family : "";
  int64_t revision = ref ? ref->revision : 0;
  const json::object* td = ref ? taskdefs_.Find(TaskDefKey(region, family, revision)) : nullptr;

  json::object task_copy = *task;
  json::object* att = FirstAttachment(task_copy);
  auto container_view = [&](const json::object& c) {
    json::object v;
    std::string name = GetString(c, "name");
    v["DockerId"] = GetString(c, "runtimeId");
    v["Name"] = name;
    v["DockerName"] = "ecs-" + family + "-" + std::to_string(revision) + "-" + name;
    v["Image"] = GetString(c, "image");
    v["ImageID"] = GetString(c, "imageDigest");
    v["Labels"] = json::object{{"com.amazonaws.ecs.cluster", GetString(*task, "clusterArn")},
                               {"com.amazonaws.ecs.container-name", name},
                               {"com.amazonaws.ecs.task-arn", GetString(*task, "taskArn")},
                               {"com.amazonaws.ecs.task-definition-family", family},
                               {"com.amazonaws.ecs.task-definition-version", std::to_string(revision)}};
    v["DesiredStatus"] = GetString(*task, "desiredStatus");
    v["KnownStatus"] = GetString(c, "lastStatus");
    json::object limits{{"CPU", std::atoll(GetString(c, "cpu", "0").c_str())}};
    if (Has(c, "memory")) limits["Memory"] = std::atoll(GetString(c, "memory").c_str());
    v["Limits"] = std::move(limits);
    if (Has(*task, "pullStartedAt")) v["CreatedAt"] = Rfc3339(Num(*task, "pullStartedAt"));
    if (Has(*task, "startedAt")) v["StartedAt"] = Rfc3339(Num(*task, "startedAt"));
    if (Has(c, "exitCode")) v["ExitCode"] = c.at("exitCode");
    v["Type"] = "NORMAL";
    if (td)
      for (auto& dv : td->at("containerDefinitions").as_array())
        if (GetString(dv.as_object(), "name") == name)
          if (const json::object* lc = GetObject(dv.as_object(), "logConfiguration")) {
            v["LogDriver"] = GetString(*lc, "logDriver");
            json::object opts = GetObject(*lc, "options") ? *GetObject(*lc, "options") : json::object{};
            if (GetString(*lc, "logDriver") == "awslogs") {
              if (!Has(opts, "awslogs-region")) opts["awslogs-region"] = region;
              std::string prefix = GetString(opts, "awslogs-stream-prefix");
              opts["awslogs-stream"] = (prefix.empty() ? "" : prefix + "/") + name + "/" + task_id;
            }
            v["LogOptions"] = std::move(opts);
          }
    v["ContainerARN"] = GetString(c, "containerArn");
    json::array networks;
    if (att && !AttachmentDetail(*att, "privateIPv4Address").empty()) {
      std::string cidr = GetString(*task, "_subnetCidr");
      networks.push_back(json::object{
          {"NetworkMode", "awsvpc"},
          {"IPv4Addresses", json::array{json::string(AttachmentDetail(*att, "privateIPv4Address"))}},
          {"AttachmentIndex", 0},
          {"MACAddress", AttachmentDetail(*att, "macAddress")},
          {"IPv4SubnetCIDRBlock", cidr},
          {"DomainNameServers", json::array{json::string(GatewayOf(cidr).substr(0, GatewayOf(cidr).find('/')))}},
          {"DomainNameSearchList", json::array{json::string(region == "us-east-1" ? "ec2.internal"
                                                                                  : region + ".compute.internal")}},
          {"PrivateDNSName", AttachmentDetail(*att, "privateDnsName")},
          {"SubnetGatewayIpv4Address", GatewayOf(cidr)}});
    }
    v["Networks"] = std::move(networks);
    v["Snapshotter"] = "overlayfs";
    return v;
  };

  auto stats = [&](const json::object& c) {
    return json::object{
        {"read", Rfc3339(env_.clock.NowSeconds())},
        {"preread", "0001-01-01T00:00:00Z"},
        {"name", GetString(c, "name")},
        {"id", GetString(c, "runtimeId")},
        {"num_procs", 0},
        {"pids_stats", json::object{}},
        {"blkio_stats", json::object{}},
        {"cpu_stats", json::object{{"cpu_usage", json::object{{"total_usage", 0}}}, {"online_cpus", 2}}},
        {"precpu_stats", json::object{{"cpu_usage", json::object{{"total_usage", 0}}}}},
        {"memory_stats", json::object{{"usage", 0}, {"limit", 0}}},
        {"networks", json::object{}},
    };
  };

  if (subpath.empty() || subpath == "/") return json::value(container_view(containers[index].as_object()));
  if (subpath == "/stats") return json::value(stats(containers[index].as_object()));
  if (subpath == "/task/stats") {
    json::object out;
    for (auto& c : containers) out[GetString(c.as_object(), "runtimeId")] = stats(c.as_object());
    return json::value(std::move(out));
  }
  if (subpath != "/task") return missing;
  json::object v;
  v["Cluster"] = GetString(*task, "clusterArn");
  v["TaskARN"] = GetString(*task, "taskArn");
  v["Family"] = family;
  v["Revision"] = std::to_string(revision);
  v["DesiredStatus"] = GetString(*task, "desiredStatus");
  v["KnownStatus"] = GetString(*task, "lastStatus");
  v["Limits"] = json::object{{"CPU", std::atof(GetString(*task, "cpu", "0").c_str()) / 1024.0},
                             {"Memory", std::atoll(GetString(*task, "memory", "0").c_str())}};
  for (auto [member, field] : {std::pair{"PullStartedAt", "pullStartedAt"}, {"PullStoppedAt", "pullStoppedAt"},
                               {"ExecutionStoppedAt", "executionStoppedAt"}})
    if (Has(*task, field)) v[member] = Rfc3339(Num(*task, field));
  v["AvailabilityZone"] = GetString(*task, "availabilityZone");
  v["LaunchType"] = "FARGATE";
  json::array cs;
  for (auto& c : containers) cs.push_back(container_view(c.as_object()));
  v["Containers"] = std::move(cs);
  v["ClockDrift"] = json::object{{"ClockErrorBound", 0.5},
                                 {"ReferenceTimestamp", Rfc3339(env_.clock.NowSeconds())},
                                 {"ClockSynchronizationStatus", "SYNCHRONIZED"}};
  v["EphemeralStorageMetrics"] = json::object{{"Utilized", 0}, {"Reserved", 20496}};
  if (Has(*task, "_service")) v["ServiceName"] = GetString(*task, "_service");
  if (const json::object* plan = GetObject(*task, "_plan"))
    if (const json::object* sb = GetObject(*plan, "sandbox"))
      if (const json::object* vpc = GetObject(*sb, "vpc")) v["VPCID"] = GetString(*vpc, "vpcId");
  return json::value(std::move(v));
}

// ---------------------------------------------------------------- operations

Result<json::object> EcsService::RunTask(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, ActiveCluster(ctx.region, GetString(in, "cluster")));
  std::string td_ref = GetString(in, "taskDefinition");
  const json::object* td = FindTaskDefinition(ctx.region, td_ref);
  if (!td) return InvalidParameter("TaskDefinition not found.");
  if (GetString(*td, "status") != "ACTIVE") return ClientError("TaskDefinition is inactive.");
  int64_t count = GetInt(in, "count", 1);
  if (count < 1 || count > 10) return InvalidParameter("Count must be between 1 and 10.");
  std::string started_by = GetString(in, "startedBy");
  if (started_by.size() > 128) return InvalidParameter("startedBy must be at most 128 characters.");

  // Launch type or capacity provider.
  const json::array* cps = GetArray(in, "capacityProviderStrategy");
  if (Has(in, "launchType") && cps && !cps->empty())
    return InvalidParameter("Specifying both a launch type and capacity provider strategy is not supported. "
                            "Remove one and try again.");
  std::string launch_type = GetString(in, "launchType");
  std::string capacity_provider;
  if (launch_type.empty()) {
    json::array strategy = cps && !cps->empty() ? *cps : cluster->at("defaultCapacityProviderStrategy").as_array();
    if (!strategy.empty()) {
      const json::array& attached = cluster->at("capacityProviders").as_array();
      for (auto& sv : strategy) {
        std::string name = GetString(sv.as_object(), "capacityProvider");
        bool ok = false;
        for (auto& a : attached) ok |= a.is_string() && a.as_string() == name;
        if (!ok)
          return InvalidParameter("The specified capacity provider strategy cannot contain a capacity provider that "
                                  "is not associated with the cluster. Associate the capacity provider with the "
                                  "cluster or specify a valid capacity provider and try again.");
      }
      capacity_provider = GetString(strategy[0].as_object(), "capacityProvider");
      launch_type = "FARGATE";
    } else {
      launch_type = "EC2";
    }
  }
  if (launch_type != "FARGATE") {
    // No container instances are ever registered.
    return json::object{{"tasks", json::array{}},
                        {"failures", json::array{json::object{{"arn", cluster->at("clusterArn")},
                                                              {"reason", "No Container Instances were found in your cluster."}}}}};
  }
  bool compatible = false;
  for (auto& c : td->at("compatibilities").as_array()) compatible |= c.as_string() == "FARGATE";
  if (!compatible) return InvalidParameter("Task definition does not support launch_type FARGATE.");
  if (Has(in, "platformVersion")) {
    std::string pv = GetString(in, "platformVersion");
    if (pv != "LATEST" && pv != "1.4.0" && pv != "1.4")
      return InvalidParameter("The specified platform version (" + pv + ") does not satisfy the task definition's required capabilities.");
  }

  // Network.
  json::object awsvpc;
  if (const json::object* nc = GetObject(in, "networkConfiguration")) {
    if (GetString(*td, "networkMode") != "awsvpc")
      return InvalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
    const json::object* vpc = GetObject(*nc, "awsvpcConfiguration");
    if (!vpc) return InvalidParameter("Network Configuration must contain an awsvpcConfiguration.");
    awsvpc = *vpc;
  } else if (GetString(*td, "networkMode") == "awsvpc") {
    return InvalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  std::vector<std::string> subnets = Strings(GetArray(awsvpc, "subnets"));
  if (subnets.empty()) return InvalidParameter("subnets can not be empty.");
  if (subnets.size() > 16) return InvalidParameter("The maximum number of subnets is 16.");
  if (const json::array* sgs = GetArray(awsvpc, "securityGroups"); sgs && sgs->size() > 5)
    return InvalidParameter("The maximum number of security groups is 5.");
  if (network_)
    for (auto& s : subnets)
      if (!network_(ctx.region, s))
        return InvalidParameter("Error retrieving subnet information for [" + s + "]: The subnet ID '" + s +
                                "' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: "
                                "InvalidSubnetID.NotFound)");

  // Overrides must name containers of the definition.
  json::object overrides = GetObject(in, "overrides") ? *GetObject(in, "overrides") : json::object{};
  std::set<std::string> names;
  for (auto& c : td->at("containerDefinitions").as_array()) names.insert(GetString(c.as_object(), "name"));
  if (const json::array* cos = GetArray(overrides, "containerOverrides"))
    for (auto& co : *cos) {
      std::string name = co.is_object() ? GetString(co.as_object(), "name") : "";
      if (!names.count(name))
        return InvalidParameter("Override for container named " + name + " is not a container in the TaskDefinition.");
    }
  if (Has(overrides, "cpu") && !ParseCpuUnits(GetString(overrides, "cpu")))
    return InvalidParameter("Invalid 'cpu' setting for task.");
  if (Has(overrides, "memory") && !ParseMemoryMiB(GetString(overrides, "memory")))
    return InvalidParameter("Invalid 'memory' setting for task.");

  // Tags.
  json::array tags;
  if (const json::array* t = GetArray(in, "tags")) tags = *t;
  std::string propagate = GetString(in, "propagateTags", "NONE");
  if (propagate == "TASK_DEFINITION")
    if (const json::array* tdt = GetArray(*td, "_tags")) tags = MergeTags(*tdt, tags);
  FARGO_TRY(ValidateTags(tags));

  TaskLaunch l;
  l.region = ctx.region;
  l.account = ctx.account;
  l.cluster = cluster;
  l.task_definition = td;
  l.overrides = std::move(overrides);
  l.awsvpc = std::move(awsvpc);
  l.launch_type = "FARGATE";
  l.capacity_provider = capacity_provider;
  l.started_by = started_by;
  l.group = GetString(in, "group", "family:" + GetString(*td, "family"));
  l.tags = std::move(tags);
  l.enable_execute_command = GetBool(in, "enableExecuteCommand");
  json::array tasks;
  for (int64_t i = 0; i < count; ++i) {
    FARGO_ASSIGN_OR_RETURN(json::object doc, LaunchTask(l));
    tasks.push_back(TaskView(doc, true));
  }
  return json::object{{"tasks", std::move(tasks)}, {"failures", json::array{}}};
}

Result<json::object> EcsService::StopTask(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, ActiveCluster(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  std::string id = GetString(in, "task");
  std::string key = id.rfind("arn:", 0) == 0 ? TaskKeyOfArn(id) : store::Collection::Key(ctx.region, cluster_name + "/" + id);
  if (key.empty() || !tasks_.Find(key) || key.rfind(store::Collection::Key(ctx.region, cluster_name + "/"), 0) != 0)
    return InvalidParameter("The referenced task was not found.");
  std::string reason = GetString(in, "reason");
  if (reason.size() > 255) return InvalidParameter("reason must be at most 255 characters.");
  FARGO_TRY(StopTaskDoc(key, "UserInitiated", reason.empty() ? "Task stopped by user" : reason));
  return json::object{{"task", TaskView(*tasks_.Find(key), false)}};
}

Result<json::object> EcsService::DescribeTasks(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, ActiveCluster(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  const json::array* ids = GetArray(in, "tasks");
  if (!ids || ids->empty()) return InvalidParameter("Tasks cannot be empty.");
  if (ids->size() > 100) return InvalidParameter("Tasks can have at most 100 items.");
  bool tags = Includes(in, "TAGS");
  json::array tasks, failures;
  for (auto& v : *ids) {
    std::string id = v.is_string() ? std::string(v.as_string()) : "";
    std::string key = id.rfind("arn:", 0) == 0 ? TaskKeyOfArn(id)
                                               : store::Collection::Key(ctx.region, cluster_name + "/" + id);
    const json::object* doc = key.empty() ? nullptr : tasks_.Find(key);
    if (!doc || key.rfind(store::Collection::Key(ctx.region, cluster_name + "/"), 0) != 0) {
      std::string arn = id.rfind("arn:", 0) == 0 ? id : TaskArn(ctx.region, ctx.account, cluster_name, id);
      failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
      continue;
    }
    tasks.push_back(TaskView(*doc, tags));
  }
  return json::object{{"tasks", std::move(tasks)}, {"failures", std::move(failures)}};
}

Result<json::object> EcsService::ListTasks(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, ActiveCluster(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  std::string family = GetString(in, "family");
  std::string started_by = GetString(in, "startedBy");
  std::string service = GetString(in, "serviceName");
  if (!service.empty()) service = ParseServiceId(service).name;
  std::string desired = GetString(in, "desiredStatus", "RUNNING");
  std::string launch = GetString(in, "launchType");
  if (!service.empty() && !family.empty())
    return InvalidParameter("Specifying both family and serviceName is not supported.");
  std::vector<std::pair<double, std::string>> found;
  tasks_.ForEachPrefix(store::Collection::Key(ctx.region, cluster_name + "/"), [&](const std::string&, const json::object& t) {
    std::string want = desired == "STOPPED" ? "STOPPED" : "RUNNING";
    if (desired == "PENDING") {
      if (GetString(t, "desiredStatus") != "RUNNING" || GetString(t, "lastStatus") == "RUNNING") return;
    } else if (GetString(t, "desiredStatus") != want) {
      return;
    }
    if (!family.empty()) {
      auto ref = ParseTaskDefinitionRef(GetString(t, "taskDefinitionArn"));
      if (!ref || ref->family != family) return;
    }
    if (!started_by.empty() && GetString(t, "startedBy") != started_by) return;
    if (!service.empty() && GetString(t, "_service") != service) return;
    if (!launch.empty() && GetString(t, "launchType") != launch) return;
    found.emplace_back(Num(t, "createdAt"), GetString(t, "taskArn"));
  });
  std::stable_sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> arns;
  for (auto& f : found) arns.push_back(f.second);
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(arns, GetString(in, "nextToken"), GetInt(in, "maxResults"), 100, 100));
  json::object out{{"taskArns", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

}  // namespace fargo::services
