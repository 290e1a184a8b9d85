#include "runtime/task_plan.h"

#include "runtime/json_util.h"

namespace fargo::runtime {

namespace json = boost::json;

std::string TaskIdOf(std::string_view task_arn) {
  auto slash = task_arn.rfind('/');
  return std::string(slash == std::string_view::npos ? task_arn : task_arn.substr(slash + 1));
}

namespace {

using namespace jsonr;

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
      {"eniId", s.eni_id},
      {"hostname", s.hostname},
      {"volumes", StringArray(s.volumes)},
      {"labels", LabelsJson(s.labels)},
  };
}

Result<SandboxSpec> SandboxFrom(const json::object& o) {
  SandboxSpec s;
  s.task_arn = Str(o, "taskArn");
  s.cluster = Str(o, "cluster");
  if (const json::object* vpc = Obj(o, "vpc")) {
    s.vpc.vpc_id = Str(*vpc, "vpcId");
    s.vpc.cidr = Str(*vpc, "cidr");
    s.vpc.internal = Bool(*vpc, "internal");
    s.vpc.dns_support = GetBool(*vpc, "dnsSupport", true);  // plans stored before it: on
    s.vpc.labels = LabelsFrom(Obj(*vpc, "labels"));
  }
  s.subnet_id = Str(o, "subnetId");
  s.subnet_cidr = Str(o, "subnetCidr");
  s.ip = Str(o, "ip");
  s.eni_id = Str(o, "eniId");
  s.hostname = Str(o, "hostname");
  if (const json::array* v = Arr(o, "volumes")) {
    FARGO_ASSIGN_OR_RETURN(s.volumes, StringList(*v, "volumes"));
  }
  s.labels = LabelsFrom(Obj(o, "labels"));
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
  c.name = Str(o, "name");
  c.image = Str(o, "image");
  if (c.name.empty() || c.image.empty()) return AwsError::Make("InvalidPlan", "a container needs a name and an image");
  if (const json::array* v = Arr(o, "entrypoint")) {
    FARGO_ASSIGN_OR_RETURN(auto ep, StringList(*v, "entrypoint"));
    c.entrypoint = std::move(ep);
  }
  if (const json::array* v = Arr(o, "command")) {
    FARGO_ASSIGN_OR_RETURN(auto cmd, StringList(*v, "command"));
    c.command = std::move(cmd);
  }
  if (const json::array* v = Arr(o, "env")) {
    FARGO_ASSIGN_OR_RETURN(c.env, StringList(*v, "env"));
  }
  c.working_dir = Str(o, "workingDir");
  c.user = Str(o, "user");
  if (const json::array* v = Arr(o, "ulimits"))
    for (const auto& u : *v)
      if (u.is_object())
        c.ulimits.push_back(Ulimit{Str(u.as_object(), "name"), Int(u.as_object(), "soft"), Int(u.as_object(), "hard")});
  if (const json::array* v = Arr(o, "mounts"))
    for (const auto& m : *v)
      if (m.is_object())
        c.mounts.push_back(VolumeMount{Str(m.as_object(), "volume"), Str(m.as_object(), "containerPath"),
                                       Bool(m.as_object(), "readOnly")});
  c.labels = LabelsFrom(Obj(o, "labels"));
  c.memory_mib = Int(o, "memoryMiB");
  c.memory_reservation_mib = Int(o, "memoryReservationMiB");
  c.cpu_shares = Int(o, "cpuShares");
  c.readonly_root_filesystem = Bool(o, "readonlyRootFilesystem");
  c.init = Bool(o, "init");
  c.tty = Bool(o, "tty");
  c.interactive = Bool(o, "interactive");
  c.stop_timeout_seconds = static_cast<int>(Int(o, "stopTimeoutSeconds", 30));
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
  plan.task_arn = Str(o, "taskArn");
  plan.region = Str(o, "region");
  if (plan.task_arn.empty()) return AwsError::Make("InvalidPlan", "the plan has no task ARN");
  const json::object* sandbox = Obj(o, "sandbox");
  if (!sandbox) return AwsError::Make("InvalidPlan", "the plan has no sandbox");
  FARGO_ASSIGN_OR_RETURN(plan.sandbox, SandboxFrom(*sandbox));
  if (const json::array* cs = Arr(o, "containers")) {
    for (const auto& cv : *cs) {
      if (!cv.is_object()) return AwsError::Make("InvalidPlan", "a container must be an object");
      const json::object& co = cv.as_object();
      const json::object* spec = Obj(co, "spec");
      if (!spec) return AwsError::Make("InvalidPlan", "a container has no spec");
      ContainerPlan c;
      FARGO_ASSIGN_OR_RETURN(c.spec, ContainerSpecFrom(*spec));
      auto* ess = co.if_contains("essential");
      c.essential = !(ess && ess->is_bool()) || ess->as_bool();
      if (const json::array* deps = Arr(co, "dependsOn"))
        for (const auto& d : *deps)
          if (d.is_object())
            c.depends_on.push_back(DependencySpec{Str(d.as_object(), "container"), Str(d.as_object(), "condition")});
      if (const json::object* h = Obj(co, "healthCheck")) {
        HealthCheckSpec hc;
        if (const json::array* cmd = Arr(*h, "command")) {
          FARGO_ASSIGN_OR_RETURN(hc.command, StringList(*cmd, "healthCheck.command"));
        }
        hc.interval_seconds = static_cast<int>(Int(*h, "interval", 30));
        hc.timeout_seconds = static_cast<int>(Int(*h, "timeout", 5));
        hc.retries = static_cast<int>(Int(*h, "retries", 3));
        hc.start_period_seconds = static_cast<int>(Int(*h, "startPeriod", 0));
        c.health_check = std::move(hc);
      }
      if (const json::object* l = Obj(co, "awslogs"))
        c.awslogs = AwsLogsSpec{Str(*l, "region"), Str(*l, "group"), Str(*l, "stream"), Bool(*l, "createGroup")};
      c.start_timeout_seconds = static_cast<int>(Int(co, "startTimeout"));
      plan.containers.push_back(std::move(c));
    }
  }
  return plan;
}

}  // namespace fargo::runtime
