#include "runtime/task_plan.h"

#include "runtime/json_util.h"

namespace fargo::runtime {

namespace json = boost::json;

std::string TaskIdOf(std::string_view task_arn) {
  auto slash = task_arn.rfind('/');
  return std::string(slash == std::string_view::npos ? task_arn : task_arn.substr(slash + 1));
}

const char* SubnetEgressName(SubnetEgress e) {
  switch (e) {
    case SubnetEgress::kInternetGateway: return "internet-gateway";
    case SubnetEgress::kNatGateway: return "nat-gateway";
    case SubnetEgress::kNone: break;
  }
  return "none";
}

SubnetEgress SubnetEgressFrom(std::string_view name) {
  if (name == "internet-gateway") return SubnetEgress::kInternetGateway;
  if (name == "nat-gateway") return SubnetEgress::kNatGateway;
  return SubnetEgress::kNone;
}

namespace {


Result<std::vector<std::string>> StringList(const json::array& a, std::string_view what) {
  std::vector<std::string> out;
  for (const auto& v : a) {
    if (!v.is_string()) return AwsError::Make("InvalidPlan", std::string(what) + " must hold strings");
    out.emplace_back(v.as_string());
  }
  return out;
}

Labels LabelsFrom(const json::object* o) {
  Labels out;
  if (!o) return out;
  for (const auto& [k, v] : *o)
    if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  return out;
}

json::object SandboxJson(const SandboxSpec& s) {
  return json::object{
      {"taskArn", s.task_arn},
      {"cluster", s.cluster},
      {"vpc", json::object{{"vpcId", s.vpc.vpc_id},
                           {"cidr", s.vpc.cidr},
                           {"internal", s.vpc.internal},
                           {"dnsSupport", s.vpc.dns_support},
                           {"labels", LabelsJson(s.vpc.labels)}}},
      {"subnetId", s.subnet_id},
      {"subnetCidr", s.subnet_cidr},
      {"ip", s.ip},
      {"subnetEgress", SubnetEgressName(s.subnet_egress)},
      {"publicIp", s.public_ip},
      {"eniId", s.eni_id},
      {"hostname", s.hostname},
      {"volumes", StringArray(s.volumes)},
      {"labels", LabelsJson(s.labels)},
  };
}

Result<SandboxSpec> SandboxFrom(const json::object& o) {
  SandboxSpec s;
  s.task_arn = GetString(o, "taskArn");
  s.cluster = GetString(o, "cluster");
  if (const json::object* vpc = GetObject(o, "vpc")) {
    s.vpc.vpc_id = GetString(*vpc, "vpcId");
    s.vpc.cidr = GetString(*vpc, "cidr");
    s.vpc.internal = GetBool(*vpc, "internal");
    s.vpc.dns_support = GetBool(*vpc, "dnsSupport", true);  // plans stored before it: on
    s.vpc.labels = LabelsFrom(GetObject(*vpc, "labels"));
  }
  s.subnet_id = GetString(o, "subnetId");
  s.subnet_cidr = GetString(o, "subnetCidr");
  s.ip = GetString(o, "ip");
  s.subnet_egress = SubnetEgressFrom(GetString(o, "subnetEgress"));
  s.public_ip = GetBool(o, "publicIp");
  s.eni_id = GetString(o, "eniId");
  s.hostname = GetString(o, "hostname");
  if (const json::array* v = GetArray(o, "volumes")) {
    FARGO_ASSIGN_OR_RETURN(s.volumes, StringList(*v, "volumes"));
  }
  s.labels = LabelsFrom(GetObject(o, "labels"));
  return s;
}

json::object ContainerSpecJson(const ContainerSpec& c) {
  json::object o;
  o["name"] = c.name;
  o["image"] = c.image;
  if (c.entrypoint) o["entrypoint"] = StringArray(*c.entrypoint);
  if (c.command) o["command"] = StringArray(*c.command);
  o["env"] = StringArray(c.env);
  o["workingDir"] = c.working_dir;
  o["user"] = c.user;
  json::array ulimits;
  for (const auto& u : c.ulimits) ulimits.push_back(json::object{{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}});
  o["ulimits"] = std::move(ulimits);
  json::array mounts;
  for (const auto& m : c.mounts)
    mounts.push_back(
        json::object{{"volume", m.volume}, {"containerPath", m.container_path}, {"readOnly", m.read_only}});
  o["mounts"] = std::move(mounts);
  o["labels"] = LabelsJson(c.labels);
  o["memoryMiB"] = c.memory_mib;
  o["memoryReservationMiB"] = c.memory_reservation_mib;
  o["cpuShares"] = c.cpu_shares;
  o["readonlyRootFilesystem"] = c.readonly_root_filesystem;
  o["init"] = c.init;
  o["tty"] = c.tty;
  o["interactive"] = c.interactive;
  o["stopTimeoutSeconds"] = c.stop_timeout_seconds;
  return o;
}

Result<ContainerSpec> ContainerSpecFrom(const json::object& o) {
  ContainerSpec c;
  c.name = GetString(o, "name");
  c.image = GetString(o, "image");
  if (c.name.empty() || c.image.empty()) return AwsError::Make("InvalidPlan", "a container needs a name and an image");
  if (const json::array* v = GetArray(o, "entrypoint")) {
    FARGO_ASSIGN_OR_RETURN(auto ep, StringList(*v, "entrypoint"));
    c.entrypoint = std::move(ep);
  }
  if (const json::array* v = GetArray(o, "command")) {
    FARGO_ASSIGN_OR_RETURN(auto cmd, StringList(*v, "command"));
    c.command = std::move(cmd);
  }
  if (const json::array* v = GetArray(o, "env")) {
    FARGO_ASSIGN_OR_RETURN(c.env, StringList(*v, "env"));
  }
  c.working_dir = GetString(o, "workingDir");
  c.user = GetString(o, "user");
  if (const json::array* v = GetArray(o, "ulimits"))
    for (const auto& u : *v)
      if (u.is_object())
        c.ulimits.push_back(Ulimit{GetString(u.as_object(), "name"), GetInt(u.as_object(), "soft"), GetInt(u.as_object(), "hard")});
  if (const json::array* v = GetArray(o, "mounts"))
    for (const auto& m : *v)
      if (m.is_object())
        c.mounts.push_back(VolumeMount{GetString(m.as_object(), "volume"), GetString(m.as_object(), "containerPath"),
                                       GetBool(m.as_object(), "readOnly")});
  c.labels = LabelsFrom(GetObject(o, "labels"));
  c.memory_mib = GetInt(o, "memoryMiB");
  c.memory_reservation_mib = GetInt(o, "memoryReservationMiB");
  c.cpu_shares = GetInt(o, "cpuShares");
  c.readonly_root_filesystem = GetBool(o, "readonlyRootFilesystem");
  c.init = GetBool(o, "init");
  c.tty = GetBool(o, "tty");
  c.interactive = GetBool(o, "interactive");
  c.stop_timeout_seconds = static_cast<int>(GetInt(o, "stopTimeoutSeconds", 30));
  return c;
}

}  // namespace

json::object ToJson(const TaskPlan& plan) {
  json::array containers;
  for (const auto& c : plan.containers) {
    json::object o;
    o["spec"] = ContainerSpecJson(c.spec);
    o["essential"] = c.essential;
    json::array deps;
    for (const auto& d : c.depends_on)
      deps.push_back(json::object{{"container", d.container}, {"condition", d.condition}});
    o["dependsOn"] = std::move(deps);
    if (c.health_check) {
      const auto& h = *c.health_check;
      o["healthCheck"] = json::object{{"command", StringArray(h.command)},
                                      {"interval", h.interval_seconds},
                                      {"timeout", h.timeout_seconds},
                                      {"retries", h.retries},
                                      {"startPeriod", h.start_period_seconds}};
    }
    if (c.awslogs) {
      const auto& l = *c.awslogs;
      o["awslogs"] = json::object{
          {"region", l.region}, {"group", l.group}, {"stream", l.stream}, {"createGroup", l.create_group}};
    }
    o["startTimeout"] = c.start_timeout_seconds;
    containers.push_back(std::move(o));
  }
  return json::object{{"taskArn", plan.task_arn},
                      {"region", plan.region},
                      {"sandbox", SandboxJson(plan.sandbox)},
                      {"containers", std::move(containers)}};
}

Result<TaskPlan> TaskPlanFromJson(const json::object& o) {
  TaskPlan plan;
  plan.task_arn = GetString(o, "taskArn");
  plan.region = GetString(o, "region");
  if (plan.task_arn.empty()) return AwsError::Make("InvalidPlan", "the plan has no task ARN");
  const json::object* sandbox = GetObject(o, "sandbox");
  if (!sandbox) return AwsError::Make("InvalidPlan", "the plan has no sandbox");
  FARGO_ASSIGN_OR_RETURN(plan.sandbox, SandboxFrom(*sandbox));
  if (const json::array* cs = GetArray(o, "containers")) {
    for (const auto& cv : *cs) {
      if (!cv.is_object()) return AwsError::Make("InvalidPlan", "a container must be an object");
      const json::object& co = cv.as_object();
      const json::object* spec = GetObject(co, "spec");
      if (!spec) return AwsError::Make("InvalidPlan", "a container has no spec");
      ContainerPlan c;
      FARGO_ASSIGN_OR_RETURN(c.spec, ContainerSpecFrom(*spec));
      auto* ess = co.if_contains("essential");
      c.essential = !(ess && ess->is_bool()) || ess->as_bool();
      if (const json::array* deps = GetArray(co, "dependsOn"))
        for (const auto& d : *deps)
          if (d.is_object())
            c.depends_on.push_back(DependencySpec{GetString(d.as_object(), "container"), GetString(d.as_object(), "condition")});
      if (const json::object* h = GetObject(co, "healthCheck")) {
        HealthCheckSpec hc;
        if (const json::array* cmd = GetArray(*h, "command")) {
          FARGO_ASSIGN_OR_RETURN(hc.command, StringList(*cmd, "healthCheck.command"));
        }
        hc.interval_seconds = static_cast<int>(GetInt(*h, "interval", 30));
        hc.timeout_seconds = static_cast<int>(GetInt(*h, "timeout", 5));
        hc.retries = static_cast<int>(GetInt(*h, "retries", 3));
        hc.start_period_seconds = static_cast<int>(GetInt(*h, "startPeriod", 0));
        c.health_check = std::move(hc);
      }
      if (const json::object* l = GetObject(co, "awslogs"))
        c.awslogs = AwsLogsSpec{GetString(*l, "region"), GetString(*l, "group"), GetString(*l, "stream"), GetBool(*l, "createGroup")};
      c.start_timeout_seconds = static_cast<int>(GetInt(co, "startTimeout"));
      plan.containers.push_back(std::move(c));
    }
  }
  return plan;
}

}  // namespace fargo::runtime
