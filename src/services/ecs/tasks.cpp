#include "services/ecs/tasks.h"

#include <algorithm>
#include <set>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/service.h"
#include "services/ecs/task_definition_builder.h"

namespace fargo::services::ecs {

namespace {

// STOPPED tasks stay describable this long.
constexpr double kStoppedTaskRetentionSeconds = 3600;

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// A report's timestamp (0 = not reached yet).
std::optional<double> TimeOf(int64_t ms) {
  if (ms > 0) return Seconds(ms);
  return std::nullopt;
}
// Sets `t` from a report value when it has one.
void SetTime(std::optional<double>& t, int64_t ms) {
  if (ms > 0) t = Seconds(ms);
}

// The store key of task `id` (a task id or ARN) in the cluster, or "" when
// the task is not one of the cluster's.
std::string TaskKeyIn(const std::string& region, const std::string& cluster_name, const std::string& id) {
  std::string key = id.rfind("arn:", 0) == 0 ? TaskKeyOfArn(id) : store::Collection::Key(region, cluster_name + "/" + id);
  if (key.rfind(store::Collection::Key(region, cluster_name + "/"), 0) != 0) return "";
  return key;
}

}  // namespace

Status Tasks::PutTask(const std::string& key, Task t) {
  ++t.version;
  std::string ended_exec;
  if (exec_ender_ && t.enable_execute_command && t.stopped()) {
    const Task* cur = st_.tasks.Find(key);
    if (!cur || !cur->stopped()) ended_exec = t.task_arn;
  }
  FARGO_TRY(st_.tasks.Put(key, std::move(t)));
  if (!ended_exec.empty()) exec_ender_(ended_exec);
  return OkStatus();
}

std::optional<SubnetNetwork> Tasks::Subnet(Launch& l, const std::string& subnet) {
  auto it = l.resolved.find(subnet);
  if (it == l.resolved.end()) it = l.resolved.emplace(subnet, network_(l.region, subnet)).first;
  return it->second;
}

Result<const Task*> Tasks::LaunchTask(Launch& l) {
  const json::object& td = *l.task_definition;
  const json::object& cluster = *l.cluster;
  std::string cluster_name = GetString(cluster, "clusterName");
  std::string id = st_.env.ids.Hex(32);
  std::string key = store::Collection::Key(l.region, cluster_name + "/" + id);
  double now = st_.env.clock.NowSeconds();

  Task t;
  t.task_arn = TaskArn(l.region, l.account, cluster_name, id);
  t.task_role_arn = GetString(l.overrides, "taskRoleArn", GetString(td, "taskRoleArn"));
  t.credentials_id = t.task_role_arn.empty() ? "" : st_.env.ids.Uuid();
  if (t.credentials_id.empty()) t.task_role_arn.clear();
  std::string prefix = "arn:aws:ecs:" + l.region + ":" + l.account + ":";

  // Network: one of the task's subnets, in turn.
  std::string subnet = l.subnets.empty() ? "" : l.subnets[subnet_rr_++ % l.subnets.size()];
  std::string failure;
  PlanNetwork pn;
  pn.subnet_id = subnet;
  t.availability_zone = l.region + "a";
  if (subnet.empty()) {
    failure = "ResourceInitializationError: the task has no subnet to attach its network interface to.";
  } else if (network_) {
    if (auto net = Subnet(l, subnet)) {
      pn.vpc_id = net->vpc_id;
      pn.vpc_cidr = net->vpc_cidr;
      pn.subnet_cidr = net->subnet_cidr;
      pn.subnet_egress = net->egress;
      pn.public_ip = l.public_ip;
      pn.dns_support = net->dns_support;
      if (!net->availability_zone.empty()) t.availability_zone = net->availability_zone;
    } else {
      failure = "ResourceInitializationError: failed to configure ENI: the subnet ID '" + subnet +
                "' does not exist.";
    }
  }

  t.attachment.id = st_.env.ids.Uuid();
  t.attachment.subnet_id = subnet;
  t.capacity_provider = l.capacity_provider;
  t.cluster_arn = GetString(cluster, "clusterArn");

  // Containers, with their overrides.
  json::array container_overrides;
  const json::array* given_overrides = GetArray(l.overrides, "containerOverrides");
  for (auto& cv : td.at("containerDefinitions").as_array()) {
    const json::object& c = cv.as_object();
    std::string name = GetString(c, "name");
    json::object co{{"name", name}};
    if (given_overrides)
      for (auto& o : *given_overrides)
        if (o.is_object() && GetString(o.as_object(), "name") == name) co = o.as_object();
    Container tc;
    tc.container_arn = prefix + "container/" + cluster_name + "/" + id + "/" + st_.env.ids.Uuid();
    tc.name = name;
    tc.image = GetString(c, "image");
    tc.cpu = Has(co, "cpu") ? GetInt(co, "cpu") : GetInt(c, "cpu");
    int64_t mem = Has(co, "memory") ? GetInt(co, "memory") : GetInt(c, "memory");
    if (mem > 0) tc.memory = mem;
    int64_t res = Has(co, "memoryReservation") ? GetInt(co, "memoryReservation") : GetInt(c, "memoryReservation");
    if (res > 0) tc.memory_reservation = res;
    if (l.enable_execute_command) tc.exec_agent = ManagedAgent{};
    container_overrides.push_back(std::move(co));
    t.containers.push_back(std::move(tc));
  }
  t.cpu = GetString(l.overrides, "cpu", GetString(td, "cpu"));
  t.memory = GetString(l.overrides, "memory", GetString(td, "memory"));
  if (auto c = ParseCpuUnits(t.cpu)) t.cpu = std::to_string(*c);
  if (auto m = ParseMemoryMiB(t.memory)) t.memory = std::to_string(*m);
  t.created_at = now;
  t.enable_execute_command = l.enable_execute_command;
  t.group = l.group;
  t.launch_type = l.launch_type;
  t.overrides = json::object{{"containerOverrides", std::move(container_overrides)},
                             {"inferenceAcceleratorOverrides", json::array{}}};
  for (const char* k : {"cpu", "memory", "taskRoleArn", "executionRoleArn", "ephemeralStorage"})
    if (Has(l.overrides, k)) t.overrides[k] = l.overrides.at(k);
  t.started_by = l.started_by;
  t.tags = l.tags;
  t.task_definition_arn = GetString(td, "taskDefinitionArn");
  t.account = l.account;
  t.subnet_cidr = pn.subnet_cidr;
  t.security_groups = l.security_groups;
  t.service = l.service_name;

  if (failure.empty()) {
    PlanInput pin;
    pin.region = l.region;
    pin.task_arn = t.task_arn;
    pin.cluster = cluster_name;
    pin.task_definition = &td;
    pin.overrides = l.overrides;
    pin.network = pn;
    pin.credentials_id = t.credentials_id;
    pin.service_name = l.service_name;
    pin.read_object = read_object_;
    auto plan = BuildTaskPlan(pin);
    if (plan.ok()) t.plan = std::move(plan.value());
    else failure = "ResourceInitializationError: " + plan.error().message;
  }

  if (!failure.empty()) {
    t.desired_status = DesiredStatus::kStopped;
    t.last_status = TaskStatus::kStopped;
    t.stop_code = StopCode::kTaskFailedToStart;
    t.stopped_reason = failure;
    t.stopping_at = t.execution_stopped_at = t.stopped_at = now;
    t.attachment.status = AttachmentStatus::kDeleted;
    for (auto& c : t.containers) c.last_status = ContainerStatus::kStopped;
    FARGO_TRY(PutTask(key, std::move(t)));
    const Task* saved = st_.tasks.Find(key);
    if (!saved->service.empty() && hooks_.stopped) hooks_.stopped(*saved);
    return saved;
  }
  FARGO_TRY(PutTask(key, std::move(t)));
  const Task* saved = st_.tasks.Find(key);
  if (driver_) driver_->Launch(*saved->plan);
  return saved;
}

Status Tasks::StopTask(const std::string& key, StopCode code, const std::string& reason) {
  const Task* cur = st_.tasks.Find(key);
  if (!cur) return OkStatus();
  if (cur->desired_status == DesiredStatus::kStopped || cur->stopped()) return OkStatus();
  Task t = *cur;
  t.desired_status = DesiredStatus::kStopped;
  t.stop_code = code;
  t.stopped_reason = reason;
  t.stopping_at = st_.env.clock.NowSeconds();
  std::string arn = t.task_arn;
  // Behind a load balancer: DEACTIVATING while its targets drain, then the
  // containers stop (FinishDeactivations).
  auto targets = TargetsOf(t);
  if (!targets.empty() && targets_.deregister_target && t.last_status == TaskStatus::kRunning &&
      !t.attachment.private_ip.empty()) {
    std::string region = key.substr(0, key.find('/'));
    for (const auto& [tg, port] : targets) (void)targets_.deregister_target(region, tg, t.attachment.private_ip, port);
    t.last_status = TaskStatus::kDeactivating;
    FARGO_TRY(PutTask(key, std::move(t)));
    FinishDeactivations();  // a target group in no use drains at once
    return OkStatus();
  }
  FARGO_TRY(PutTask(key, std::move(t)));
  if (driver_) {
    driver_->Stop(arn);
    return OkStatus();
  }
  // Nothing runs it: it is stopped at once.
  runtime::TaskReport r;
  r.task_arn = arn;
  r.last_status = "STOPPED";
  r.execution_stopped_at_ms = r.stopped_at_ms = st_.env.clock.NowMillis();
  ApplyReport(r);
  return OkStatus();
}

void Tasks::ReconcileEgress() {
  if (!network_) return;
  std::map<std::pair<std::string, std::string>, runtime::SubnetEgress> routes;  // (region, subnet): asked once
  std::vector<std::pair<std::string, runtime::SubnetEgress>> changed;
  for (auto& [key, t] : st_.tasks.all()) {
    if (t.stopped() || !t.plan || t.plan->sandbox.subnet_id.empty()) continue;
    const runtime::SandboxSpec& sb = t.plan->sandbox;
    auto where = std::make_pair(t.plan->region, sb.subnet_id);
    auto it = routes.find(where);
    if (it == routes.end()) {
      auto net = network_(where.first, where.second);
      it = routes.emplace(where, net ? net->egress : runtime::SubnetEgress::kNone).first;
    }
    if (it->second != sb.subnet_egress) changed.emplace_back(key, it->second);
  }
  for (auto& [key, egress] : changed) {
    Task t = *st_.tasks.Find(key);
    bool before = runtime::HasEgress(t.plan->sandbox.subnet_egress, t.plan->sandbox.public_ip);
    t.plan->sandbox.subnet_egress = egress;
    bool now = runtime::HasEgress(egress, t.plan->sandbox.public_ip);
    std::string arn = t.task_arn;
    if (!PutTask(key, std::move(t)).ok()) continue;  // asked again next time
    if (driver_ && before != now) driver_->SetEgress(arn, now);
  }
}

void Tasks::Expire(double now) {
  std::vector<std::string> gone;
  for (auto& [key, t] : st_.tasks.all())
    if (t.stopped() && now - t.stopped_at.value_or(0) >= kStoppedTaskRetentionSeconds) gone.push_back(key);
  for (auto& key : gone) (void)st_.tasks.Erase(key);
}

// ---------------------------------------------------------------- runtime reports

void Tasks::ApplyReport(const runtime::TaskReport& report) {
  std::string key = TaskKeyOfArn(report.task_arn);
  const Task* cur = key.empty() ? nullptr : st_.tasks.Find(key);
  if (!cur || cur->stopped()) return;
  std::optional<TaskStatus> status = ParseTaskStatus(report.last_status);
  if (!status || *status < cur->last_status) return;
  Task t = *cur;
  double now = st_.env.clock.NowSeconds();
  std::string region = key.substr(0, key.find('/'));
  bool stopped = *status == TaskStatus::kStopped;

  t.last_status = *status;
  SetTime(t.pull_started_at, report.pull_started_at_ms);
  SetTime(t.pull_stopped_at, report.pull_stopped_at_ms);
  if (!t.started_at) t.started_at = TimeOf(report.started_at_ms);  // kept across adoption
  if (!t.stopping_at) t.stopping_at = TimeOf(report.stopping_at_ms);
  SetTime(t.execution_stopped_at, report.execution_stopped_at_ms);
  SetTime(t.stopped_at, report.stopped_at_ms);
  if (stopped && !t.stopped_at) t.stopped_at = now;
  if (stopped && !t.execution_stopped_at) t.execution_stopped_at = t.stopped_at;
  if (auto h = ParseHealthStatus(report.health_status)) t.health_status = *h;
  if (*status >= TaskStatus::kPending && !t.connectivity_at)
    t.connectivity_at = report.pull_started_at_ms > 0 ? Seconds(report.pull_started_at_ms) : now;
  if (*status == TaskStatus::kRunning && !t.running_since) t.running_since = now;

  // The runtime ended the task by itself.
  if (t.desired_status != DesiredStatus::kStopped && (*status >= TaskStatus::kDeactivating || !report.stop_code.empty())) {
    t.desired_status = DesiredStatus::kStopped;
    t.stop_code = report.stop_code.empty() ? StopCode::kEssentialContainerExited : ParseStopCode(report.stop_code);
    t.stopped_reason =
        report.stopped_reason.empty() ? std::string("Essential container in task exited") : report.stopped_reason;
    if (!t.stopping_at) t.stopping_at = report.stopping_at_ms > 0 ? Seconds(report.stopping_at_ms) : now;
  }

  // The network interface.
  Attachment& att = t.attachment;
  if (!report.ip.empty()) {
    if (!t.eni_id) {
      std::string eni = report.eni_id;
      if (create_interface_ && !stopped) {
        TaskInterface ti;
        ti.region = region;
        ti.account = t.account;
        ti.subnet_id = report.subnet_id.empty() ? att.subnet_id : report.subnet_id;
        ti.private_ip = report.ip;
        ti.security_groups = t.security_groups;
        ti.description = "arn:aws:ecs:" + region + ":" + ti.account + ":attachment/" + att.id;
        if (auto made = create_interface_(ti); made.ok()) {
          eni = made.value();
          t.ec2_interface = true;
        }
      }
      t.eni_id = eni;
    }
    if (!report.subnet_id.empty()) att.subnet_id = report.subnet_id;
    att.network_interface_id = *t.eni_id;
    att.mac_address = report.mac;
    att.private_dns_name = report.hostname;
    att.private_ip = report.ip;
    if (!stopped) att.status = AttachmentStatus::kAttached;
  }

  // Containers.
  for (Container& c : t.containers) {
    for (const auto& rc : report.containers) {
      if (rc.name != c.name) continue;
      if (!rc.runtime_id.empty()) c.runtime_id = rc.runtime_id;
      if (!rc.image_digest.empty()) c.image_digest = rc.image_digest;
      std::optional<ContainerStatus> cs = ParseContainerStatus(rc.last_status);
      if (cs) c.last_status = *cs;
      if (rc.exit_code) c.exit_code = *rc.exit_code;
      if (!rc.reason.empty()) c.reason = rc.reason;
      if (auto h = ParseHealthStatus(rc.health_status)) c.health_status = *h;
      if (c.exec_agent) {
        ContainerStatus st = cs.value_or(ContainerStatus::kPending);
        if (c.exec_agent->last_status != st) {
          c.exec_agent->last_status = st;
          if (st == ContainerStatus::kRunning) c.exec_agent->last_started_at = now;
        }
      }
    }
    if (!report.ip.empty()) c.network_bound = true;
    if (stopped) c.last_status = ContainerStatus::kStopped;
  }

  if (stopped) {
    att.status = AttachmentStatus::kDeleted;
    if (t.ec2_interface && remove_interface_) remove_interface_(region, *t.eni_id);
    t.ec2_interface = false;
  }
  if (ToStored(t) == ToStored(*cur)) return;
  if (!PutTask(key, std::move(t)).ok()) return;
  const Task& saved = *st_.tasks.Find(key);
  if (saved.service.empty()) return;
  if (stopped && hooks_.stopped) hooks_.stopped(saved);
  if (hooks_.changed) {
    std::string rest = key.substr(region.size() + 1);
    hooks_.changed(ServiceKey(region, rest.substr(0, rest.find('/')), saved.service));
  }
}

std::vector<Tasks::Interface> Tasks::LiveInterfaces() const {
  std::vector<Interface> out;
  for (auto& [key, t] : st_.tasks.all())
    if (!t.stopped() && t.ec2_interface && t.eni_id) out.push_back({t.task_arn, key.substr(0, key.find('/')), *t.eni_id});
  return out;
}

std::vector<runtime::TaskPlan> Tasks::LivePlans() const {
  std::vector<runtime::TaskPlan> out;
  for (auto& [key, t] : st_.tasks.all())
    if (!t.stopped() && t.plan) out.push_back(*t.plan);
  return out;
}

void Tasks::ResumeStops() {
  if (!driver_) return;
  for (auto& [key, t] : st_.tasks.all())
    if (!t.stopped() && t.desired_status == DesiredStatus::kStopped) driver_->Stop(t.task_arn);
}

// ---------------------------------------------------------------- endpoints

std::optional<Tasks::CredentialsTarget> Tasks::Credentials(const std::string& credentials_id) const {
  if (credentials_id.empty()) return std::nullopt;
  for (auto& [key, t] : st_.tasks.all()) {
    if (t.credentials_id != credentials_id) continue;
    if (t.stopped()) return std::nullopt;
    return CredentialsTarget{key.substr(0, key.find('/')), t.account, t.task_role_arn, t.task_arn};
  }
  return std::nullopt;
}

std::optional<Tasks::Address> Tasks::AddressOf(const std::string& region, const std::string& ref) const {
  std::string id = ref.substr(ref.rfind('/') + 1);
  if (id.empty()) return std::nullopt;
  for (auto& [key, t] : st_.tasks.all()) {
    if (key.compare(0, region.size() + 1, region + "/") != 0 || t.id() != id) continue;
    Address a{t.task_arn, t.plan ? t.plan->sandbox.vpc.vpc_id : "", t.attachment.private_ip,
              std::string(Name(t.last_status))};
    return a;
  }
  return std::nullopt;
}

std::optional<TaskMetadataView> Tasks::Metadata(const std::string& token) const {
  size_t dash = token.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string task_id = token.substr(0, dash);
  size_t index = 0;
  try {
    index = std::stoul(token.substr(dash + 1));
  } catch (...) {
    return std::nullopt;
  }
  const Task* task = nullptr;
  std::string task_key;
  for (auto& [key, t] : st_.tasks.all())
    if (key.size() > task_id.size() && key.compare(key.size() - task_id.size(), task_id.size(), task_id) == 0 &&
        key[key.size() - task_id.size() - 1] == '/') {
      task = &t;
      task_key = key;
    }
  if (!task || index >= task->containers.size()) return std::nullopt;
  std::string region = task_key.substr(0, task_key.find('/'));
  auto ref = ParseTaskDefinitionRef(task->task_definition_arn);
  const json::object* td = ref ? st_.taskdefs.Find(TaskDefKey(region, ref->family, ref->revision)) : nullptr;

  TaskMetadataView m;
  m.container_index = index;
  m.region = region;
  m.task_id = task_id;
  m.cluster_arn = task->cluster_arn;
  m.task_arn = task->task_arn;
  m.family = ref ? ref->family : "";
  m.revision = ref ? ref->revision : 0;
  m.desired_status = Name(task->desired_status);
  m.known_status = Name(task->last_status);
  m.cpu = task->cpu;
  m.memory = task->memory;
  m.pull_started_at = task->pull_started_at;
  m.pull_stopped_at = task->pull_stopped_at;
  m.started_at = task->started_at;
  m.execution_stopped_at = task->execution_stopped_at;
  m.availability_zone = task->availability_zone;
  m.service_name = task->service;
  if (task->plan) m.vpc_id = task->plan->sandbox.vpc.vpc_id;
  m.private_ip = task->attachment.private_ip;
  m.mac_address = task->attachment.mac_address;
  m.private_dns_name = task->attachment.private_dns_name;
  m.subnet_cidr = task->subnet_cidr;
  for (const Container& c : task->containers) {
    TaskMetadataView::Container cm;
    cm.docker_id = c.runtime_id;
    cm.container_arn = c.container_arn;
    cm.name = c.name;
    cm.image = c.image;
    cm.image_id = c.image_digest;
    cm.known_status = Name(c.last_status);
    cm.cpu = c.cpu;
    cm.memory = c.memory;
    cm.exit_code = c.exit_code;
    if (td)
      for (auto& dv : td->at("containerDefinitions").as_array())
        if (GetString(dv.as_object(), "name") == c.name)
          if (const json::object* lc = GetObject(dv.as_object(), "logConfiguration")) {
            cm.log_driver = GetString(*lc, "logDriver");
            if (const json::object* opts = GetObject(*lc, "options")) cm.log_options = *opts;
          }
    m.containers.push_back(std::move(cm));
  }
  return m;
}

// ---------------------------------------------------------------- operations

Result<json::object> Tasks::Run(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string td_ref = GetString(in, "taskDefinition");
  const json::object* td = taskdefs_.Find(ctx.region, td_ref);
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
  Launch l;
  l.subnets = StringsOf(GetArray(awsvpc, "subnets"));
  l.security_groups = StringsOf(GetArray(awsvpc, "securityGroups"));
  l.public_ip = GetString(awsvpc, "assignPublicIp") == "ENABLED";
  if (l.subnets.empty()) return InvalidParameter("subnets can not be empty.");
  if (l.subnets.size() > 16) return InvalidParameter("The maximum number of subnets is 16.");
  if (const json::array* sgs = GetArray(awsvpc, "securityGroups"); sgs && sgs->size() > 5)
    return InvalidParameter("The maximum number of security groups is 5.");
  l.region = ctx.region;
  if (network_)
    for (auto& s : l.subnets)
      if (!Subnet(l, s))
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

  l.account = ctx.account;
  l.cluster = cluster;
  l.task_definition = td;
  l.overrides = std::move(overrides);
  l.launch_type = "FARGATE";
  l.capacity_provider = capacity_provider;
  l.started_by = started_by;
  l.group = GetString(in, "group", "family:" + GetString(*td, "family"));
  l.tags = std::move(tags);
  l.enable_execute_command = GetBool(in, "enableExecuteCommand");
  json::array tasks;
  for (int64_t i = 0; i < count; ++i) {
    FARGO_ASSIGN_OR_RETURN(const Task* t, LaunchTask(l));
    tasks.push_back(EncodeTask(*t, true));
  }
  return json::object{{"tasks", std::move(tasks)}, {"failures", json::array{}}};
}

Result<json::object> Tasks::Stop(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string key = TaskKeyIn(ctx.region, GetString(*cluster, "clusterName"), GetString(in, "task"));
  if (key.empty() || !st_.tasks.Find(key)) return InvalidParameter("The referenced task was not found.");
  std::string reason = GetString(in, "reason");
  if (reason.size() > 255) return InvalidParameter("reason must be at most 255 characters.");
  FARGO_TRY(StopTask(key, StopCode::kUserInitiated, reason.empty() ? "Task stopped by user" : reason));
  return json::object{{"task", EncodeTask(*st_.tasks.Find(key), false)}};
}

Result<json::object> Tasks::Describe(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  const json::array* ids = GetArray(in, "tasks");
  if (!ids || ids->empty()) return InvalidParameter("Tasks cannot be empty.");
  if (ids->size() > 100) return InvalidParameter("Tasks can have at most 100 items.");
  bool tags = Includes(in, "TAGS");
  json::array tasks, failures;
  for (auto& v : *ids) {
    std::string id = v.is_string() ? std::string(v.as_string()) : "";
    std::string key = TaskKeyIn(ctx.region, cluster_name, id);
    const Task* t = key.empty() ? nullptr : st_.tasks.Find(key);
    if (!t) {
      std::string arn = id.rfind("arn:", 0) == 0 ? id : TaskArn(ctx.region, ctx.account, cluster_name, id);
      failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
      continue;
    }
    tasks.push_back(EncodeTask(*t, tags));
  }
  return json::object{{"tasks", std::move(tasks)}, {"failures", std::move(failures)}};
}

Result<json::object> Tasks::List(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
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
  st_.tasks.ForEachPrefix(store::Collection::Key(ctx.region, cluster_name + "/"), [&](const std::string&, const Task& t) {
    if (desired == "PENDING") {
      if (t.desired_status != DesiredStatus::kRunning || t.last_status == TaskStatus::kRunning) return;
    } else if (t.desired_status != (desired == "STOPPED" ? DesiredStatus::kStopped : DesiredStatus::kRunning)) {
      return;
    }
    if (!family.empty()) {
      auto ref = ParseTaskDefinitionRef(t.task_definition_arn);
      if (!ref || ref->family != family) return;
    }
    if (!started_by.empty() && t.started_by != started_by) return;
    if (!service.empty() && t.service != service) return;
    if (!launch.empty() && t.launch_type != launch) return;
    found.emplace_back(t.created_at, t.task_arn);
  });
  std::stable_sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> arns;
  for (auto& f : found) arns.push_back(f.second);
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(arns, GetString(in, "nextToken"), GetInt(in, "maxResults"), 100, 100));
  json::object out{{"taskArns", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

// ---------------------------------------------------------------- load balancers

std::vector<std::pair<std::string, int64_t>> Tasks::TargetsOf(const Task& t) const {
  std::vector<std::pair<std::string, int64_t>> out;
  if (t.service.empty()) return out;
  std::string key = TaskKeyOfArn(t.task_arn);
  std::string region = key.substr(0, key.find('/'));
  const json::object* doc = st_.services.Find(ServiceKey(region, ClusterNameOf(t.cluster_arn), t.service));
  if (!doc) return out;
  auto svc = ServiceFromStored(*doc);
  if (!svc.ok()) return out;
  if (const json::array* lbs = GetArray(svc->config, "loadBalancers"))
    for (const auto& lb : *lbs)
      if (lb.is_object() && !GetString(lb.as_object(), "targetGroupArn").empty())
        out.emplace_back(GetString(lb.as_object(), "targetGroupArn"), GetInt(lb.as_object(), "containerPort"));
  return out;
}

void Tasks::FinishDeactivations() {
  std::vector<std::string> done;
  for (auto& [key, t] : st_.tasks.all()) {
    if (t.last_status != TaskStatus::kDeactivating || t.desired_status != DesiredStatus::kStopped) continue;
    std::string region = key.substr(0, key.find('/'));
    bool drained = true;
    if (targets_.state)
      for (const auto& [tg, port] : TargetsOf(t))
        if (targets_.state(region, tg, t.attachment.private_ip, port) == "draining") drained = false;
    if (drained) done.push_back(key);
  }
  for (const auto& key : done) {
    const Task* t = st_.tasks.Find(key);
    if (driver_) {
      Task next = *t;
      next.last_status = TaskStatus::kStopping;  // asked once
      std::string arn = next.task_arn;
      if (PutTask(key, std::move(next)).ok()) driver_->Stop(arn);
      continue;
    }
    runtime::TaskReport r;
    r.task_arn = t->task_arn;
    r.last_status = "STOPPED";
    r.execution_stopped_at_ms = r.stopped_at_ms = st_.env.clock.NowMillis();
    ApplyReport(r);
  }
}

}  // namespace fargo::services::ecs
