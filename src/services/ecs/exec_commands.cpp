#include "services/ecs/exec_commands.h"

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"

namespace fargo::services::ecs {
namespace {

// AWS's words (the apostrophe is U+2019, as AWS writes it).
const char* kNotEnabled =
    "The execute command failed because execute command was not enabled when the task was run or the execute "
    "command agent isn\u2019t running. Wait and try again or run a new task with execute command enabled and try "
    "again.";

AwsError TargetNotConnected() {
  return AwsError::Make("TargetNotConnectedException",
                        "The execute command failed due to an internal error. Try again later.");
}

}  // namespace

Result<json::object> ExecCommands::Execute(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  if (!GetBool(in, "interactive")) return InvalidParameter("Interactive is the only mode supported currently.");
  std::string command = GetString(in, "command");
  if (command.empty()) return InvalidParameter("Command cannot be empty.");
  std::string ref = GetString(in, "task");
  std::string key = ref.rfind("arn:", 0) == 0 ? TaskKeyOfArn(ref)
                                               : store::Collection::Key(ctx.region, cluster_name + "/" + ref);
  const Task* t = st_.tasks.Find(key);
  if (!t || t->cluster_arn != GetString(*cluster, "clusterArn"))
    return InvalidParameter("The specified task was not found.");
  if (!t->enable_execute_command) return InvalidParameter(kNotEnabled);
  std::string want = GetString(in, "container");
  const Container* c = nullptr;
  if (want.empty()) {
    if (t->containers.size() != 1)
      return InvalidParameter("Container name must be specified for tasks containing multiple containers.");
    c = &t->containers[0];
  } else {
    for (const Container& x : t->containers)
      if (x.name == want) c = &x;
    if (!c) return InvalidParameter("The container " + want + " does not exist in the task.");
  }
  if (t->last_status != TaskStatus::kRunning || t->desired_status != DesiredStatus::kRunning ||
      c->last_status != ContainerStatus::kRunning || !c->exec_agent ||
      c->exec_agent->last_status != ContainerStatus::kRunning || c->runtime_id.empty())
    return InvalidParameter(kNotEnabled);
  if (t->task_role_arn.empty())
    return InvalidParameter(
        "The execute command failed because the task does not have a task role. Add a task role with the "
        "ssmmessages permissions and run a new task.");
  if (!starter_) return TargetNotConnected();

  ExecCommandRequest r;
  r.region = ctx.region;
  r.account = ctx.account;
  r.cluster_arn = t->cluster_arn;
  r.task_arn = t->task_arn;
  r.container_name = c->name;
  r.container_arn = c->container_arn;
  r.runtime_id = c->runtime_id;
  r.command = command;
  if (t->plan)
    for (const auto& cp : t->plan->containers)
      if (cp.spec.name == c->name) {
        r.user = cp.spec.user;
        r.env = cp.spec.env;
        if (cp.awslogs) {
          r.log_group = cp.awslogs->group;
          r.log_region = cp.awslogs->region;
        }
      }
  r.logging = "DEFAULT";
  if (const json::object* conf = GetObject(*cluster, "configuration"))
    if (const json::object* ecc = GetObject(*conf, "executeCommandConfiguration")) {
      r.logging = GetString(*ecc, "logging", "DEFAULT");
      if (r.logging == "OVERRIDE") {
        r.log_group.clear();
        r.log_region = ctx.region;
        if (const json::object* lc = GetObject(*ecc, "logConfiguration")) {
          r.log_group = GetString(*lc, "cloudWatchLogGroupName");
          r.s3_bucket = GetString(*lc, "s3BucketName");
          r.s3_prefix = GetString(*lc, "s3KeyPrefix");
        }
      }
    }
  if (r.logging == "NONE") r.log_group.clear();
  if (auto it = ctx.http.headers.find("host"); it != ctx.http.headers.end()) r.host = it->second;
  // Real ids: the prefix and 17 hex digits starting with 0.
  r.session_id = "ecs-execute-command-0" + st_.env.ids.Hex(16);
  r.token = st_.env.ids.Hex(64);
  FARGO_ASSIGN_OR_RETURN(ExecCommandSession s, starter_(r));
  return json::object{{"clusterArn", t->cluster_arn},
                      {"containerArn", c->container_arn},
                      {"containerName", c->name},
                      {"interactive", true},
                      {"session", json::object{{"sessionId", r.session_id},
                                               {"streamUrl", s.stream_url},
                                               {"tokenValue", r.token}}},
                      {"taskArn", t->task_arn}};
}

std::optional<ExecTarget> ExecCommands::Target(const std::string& region, const std::string& target) const {
  // ecs:<cluster>_<task id>_<runtime id>: cluster names may hold '_', task
  // ids and runtime ids do not.
  if (target.rfind("ecs:", 0) != 0) return std::nullopt;
  std::string rest = target.substr(4);
  size_t b = rest.rfind('_');
  if (b == std::string::npos || b == 0) return std::nullopt;
  size_t a = rest.rfind('_', b - 1);
  if (a == std::string::npos || a == 0) return std::nullopt;
  std::string cluster = rest.substr(0, a), task_id = rest.substr(a + 1, b - a - 1), runtime = rest.substr(b + 1);
  const Task* t = st_.tasks.Find(store::Collection::Key(region, cluster + "/" + task_id));
  if (!t || !t->enable_execute_command || t->last_status != TaskStatus::kRunning ||
      t->desired_status != DesiredStatus::kRunning)
    return std::nullopt;
  for (const Container& c : t->containers) {
    if (c.runtime_id.empty() || c.runtime_id != runtime || c.last_status != ContainerStatus::kRunning ||
        !c.exec_agent || c.exec_agent->last_status != ContainerStatus::kRunning)
      continue;
    ExecTarget out{t->task_arn, c.name, c.runtime_id, "", {}};
    if (t->plan)
      for (const auto& cp : t->plan->containers)
        if (cp.spec.name == c.name) {
          out.user = cp.spec.user;
          out.env = cp.spec.env;
        }
    return out;
  }
  return std::nullopt;
}

}  // namespace fargo::services::ecs
