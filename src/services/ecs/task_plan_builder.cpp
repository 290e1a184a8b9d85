#include "services/ecs/task_plan_builder.h"

#include <map>
#include <set>

#include "services/ecs/task_definition_builder.h"
#include "services/service.h"

namespace fargo::services::ecs {

namespace {

std::vector<std::string> StringList(const json::array& a) {
  std::vector<std::string> out;
  for (const auto& v : a)
    if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

// "KEY=value" list in first-set order; later sets of a name replace its value in place.
class EnvList {
 public:
  void Set(const std::string& name, const std::string& value) {
    auto it = index_.find(name);
    if (it != index_.end()) {
      vars_[it->second].second = value;
      return;
    }
    index_[name] = vars_.size();
    vars_.emplace_back(name, value);
  }
  void SetDefault(const std::string& name, const std::string& value) {
    if (!index_.count(name)) Set(name, value);
  }
  void Add(const json::array* list) {
    if (!list) return;
    for (const auto& v : *list)
      if (v.is_object()) Set(GetString(v.as_object(), "name"), GetString(v.as_object(), "value"));
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : vars_) out.push_back(k + "=" + v);
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
  std::map<std::string, size_t> index_;
};

// "arn:<partition>:s3:::<bucket>/<key>" -> bucket, key.
bool SplitS3Arn(const std::string& arn, std::string* bucket, std::string* key) {
  size_t pos = 0;
  std::vector<std::string> parts;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', pos);
    if (colon == std::string::npos) return false;
    parts.push_back(arn.substr(pos, colon - pos));
    pos = colon + 1;
  }
  if (parts[0] != "arn" || parts[2] != "s3" || !parts[3].empty() || !parts[4].empty()) return false;
  std::string resource = arn.substr(pos);
  size_t slash = resource.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == resource.size()) return false;
  *bucket = resource.substr(0, slash);
  *key = resource.substr(slash + 1);
  return true;
}

// The variables of `files` (EnvironmentFile objects) into `env`, below what
// it already holds and below earlier files.
Status AddEnvFiles(const json::array& files, const ObjectReader& read, EnvList& env) {
  for (const auto& fv : files) {
    if (!fv.is_object()) continue;
    std::string arn = GetString(fv.as_object(), "value");
    std::string type = GetString(fv.as_object(), "type", "s3");
    auto fail = [&](const std::string& why) {
      return AwsError::Make("ResourceInitializationError", "failed to download env files: " + arn + ": " + why);
    };
    if (type != "s3") return fail("unsupported environment file type " + type);
    std::string bucket, key;
    if (!SplitS3Arn(arn, &bucket, &key)) return fail("invalid S3 object ARN");
    if (!read) return fail("S3 is not available");
    auto text = read(bucket, key);
    if (!text.ok()) return fail(text.error().code + ": " + text.error().message);
    for (const auto& [name, value] : ParseEnvFile(text.value())) env.SetDefault(name, value);
  }
  return OkStatus();
}

const json::object* OverrideFor(const json::object& overrides, const std::string& name) {
  if (const json::array* cos = GetArray(overrides, "containerOverrides"))
    for (const auto& co : *cos)
      if (co.is_object() && GetString(co.as_object(), "name") == name) return &co.as_object();
  return nullptr;
}

std::vector<runtime::VolumeMount> MountsOf(const json::object& c, const std::set<std::string>& volumes,
                                           bool force_read_only) {
  std::vector<runtime::VolumeMount> out;
  if (const json::array* mps = GetArray(c, "mountPoints"))
    for (const auto& mv : *mps) {
      if (!mv.is_object()) continue;
      const auto& m = mv.as_object();
      std::string vol = GetString(m, "sourceVolume");
      if (!volumes.count(vol)) continue;
      out.push_back(runtime::VolumeMount{vol, GetString(m, "containerPath"),
                                         force_read_only || GetBool(m, "readOnly")});
    }
  return out;
}

int64_t ResourceNumber(const json::object& c, std::string_view k) {
  auto* v = c.if_contains(k);
  if (!v) return 0;
  if (v->is_number()) return v->to_number<int64_t>();
  return 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseEnvFile(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, size_t> index;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == line.size()) continue;
    std::string name(line.substr(0, eq)), value(line.substr(eq + 1));
    if (auto it = index.find(name); it != index.end()) {
      out[it->second].second = std::move(value);
      continue;
    }
    index[name] = out.size();
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::string MetadataToken(const std::string& task_id, size_t index) {
  return task_id + "-" + std::to_string(index);
}

Result<runtime::TaskPlan> BuildTaskPlan(const PlanInput& in) {
  if (!in.task_definition) return AwsError::Make("InvalidParameterException", "No task definition.");
  const json::object& td = *in.task_definition;
  runtime::TaskPlan plan;
  plan.task_arn = in.task_arn;
  plan.region = in.region;
  std::string task_id = runtime::TaskIdOf(in.task_arn);

  // Sandbox.
  auto& sb = plan.sandbox;
  sb.task_arn = in.task_arn;
  sb.cluster = in.cluster;
  sb.vpc.vpc_id = in.network.vpc_id;
  sb.vpc.cidr = in.network.vpc_cidr;
  sb.vpc.dns_support = in.network.dns_support;
  sb.subnet_id = in.network.subnet_id;
  sb.subnet_cidr = in.network.subnet_cidr;
  sb.subnet_egress = in.network.subnet_egress;
  sb.public_ip = in.network.public_ip;
  std::set<std::string> volumes;
  if (const json::array* vols = GetArray(td, "volumes"))
    for (const auto& v : *vols)
      if (v.is_object()) {
        std::string name = GetString(v.as_object(), "name");
        if (!name.empty() && volumes.insert(name).second) sb.volumes.push_back(name);
      }
  sb.labels["fargo.family"] = GetString(td, "family");
  sb.labels["fargo.revision"] = std::to_string(GetInt(td, "revision"));
  if (!in.service_name.empty()) sb.labels["fargo.service"] = in.service_name;

  // Task-level sizes (overrides first).
  std::string cpu_text = GetString(in.overrides, "cpu", GetString(td, "cpu"));
  std::string mem_text = GetString(in.overrides, "memory", GetString(td, "memory"));
  int64_t task_cpu = ParseCpuUnits(cpu_text).value_or(0);
  int64_t task_mem = ParseMemoryMiB(mem_text).value_or(0);

  const json::array* defs = GetArray(td, "containerDefinitions");
  if (!defs || defs->empty()) return AwsError::Make("InvalidParameterException", "The task definition has no containers.");
  std::map<std::string, const json::object*> by_name;
  for (const auto& cv : *defs)
    if (cv.is_object()) by_name[GetString(cv.as_object(), "name")] = &cv.as_object();

  size_t index = 0;
  for (const auto& cv : *defs) {
    if (!cv.is_object()) continue;
    const json::object& c = cv.as_object();
    std::string name = GetString(c, "name");
    const json::object* ov = OverrideFor(in.overrides, name);
    runtime::ContainerPlan cp;
    auto& s = cp.spec;
    s.name = name;
    s.image = GetString(c, "image");
    if (const json::array* ep = GetArray(c, "entryPoint"); ep && !ep->empty()) s.entrypoint = StringList(*ep);
    if (ov && GetArray(*ov, "command")) s.command = StringList(*GetArray(*ov, "command"));
    else if (const json::array* cmd = GetArray(c, "command"); cmd && !cmd->empty()) s.command = StringList(*cmd);

    EnvList env;
    env.Add(GetArray(c, "environment"));
    if (ov) env.Add(GetArray(*ov, "environment"));
    const json::array* files = ov && GetArray(*ov, "environmentFiles") ? GetArray(*ov, "environmentFiles")
                                                                        : GetArray(c, "environmentFiles");
    if (files) FARGO_TRY(AddEnvFiles(*files, in.read_object, env));
    env.SetDefault("AWS_REGION", in.region);
    env.SetDefault("AWS_DEFAULT_REGION", in.region);
    env.Set("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE");
    // Where the task's SDKs and CLIs find the AWS APIs: fargo, next to the
    // task endpoints (a definition may point elsewhere).
    env.SetDefault("AWS_ENDPOINT_URL", kTaskApiEndpoint);
    std::string token = MetadataToken(task_id, index);
    env.Set("ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/" + token);
    env.Set("ECS_CONTAINER_METADATA_URI", "http://169.254.170.2/v3/" + token);
    if (!in.credentials_id.empty())
      env.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/" + in.credentials_id);
    s.env = env.Lines();

    s.working_dir = GetString(c, "workingDirectory");
    s.user = GetString(c, "user");
    if (const json::array* ul = GetArray(c, "ulimits"))
      for (const auto& u : *ul)
        if (u.is_object())
          s.ulimits.push_back(runtime::Ulimit{GetString(u.as_object(), "name"), GetInt(u.as_object(), "softLimit"),
                                              GetInt(u.as_object(), "hardLimit")});

    s.mounts = MountsOf(c, volumes, false);
    if (const json::array* vf = GetArray(c, "volumesFrom"))
      for (const auto& fv : *vf) {
        if (!fv.is_object()) continue;
        std::string source = GetString(fv.as_object(), "sourceContainer");
        auto it = by_name.find(source);
        if (it == by_name.end() || source == name)
          return AwsError::Make("InvalidParameterException",
                                "Container " + name + " takes volumes from unknown container " + source + ".");
        bool ro = GetBool(fv.as_object(), "readOnly");
        for (auto& m : MountsOf(*it->second, volumes, ro)) {
          bool dup = false;
          for (auto& have : s.mounts) dup |= have.container_path == m.container_path;
          if (!dup) s.mounts.push_back(std::move(m));
        }
      }

    if (const json::object* labels = GetObject(c, "dockerLabels"))
      for (const auto& [k, v] : *labels)
        if (v.is_string()) s.labels[std::string(k)] = std::string(v.as_string());

    int64_t mem = ov && Has(*ov, "memory") ? GetInt(*ov, "memory") : ResourceNumber(c, "memory");
    int64_t res = ov && Has(*ov, "memoryReservation") ? GetInt(*ov, "memoryReservation")
                                                       : ResourceNumber(c, "memoryReservation");
    int64_t cpu = ov && Has(*ov, "cpu") ? GetInt(*ov, "cpu") : ResourceNumber(c, "cpu");
    // Within a Fargate task a container without its own limit may use the whole task.
    s.memory_mib = mem > 0 ? mem : task_mem;
    s.memory_reservation_mib = res;
    s.cpu_shares = cpu > 0 ? cpu : task_cpu;
    s.readonly_root_filesystem = GetBool(c, "readonlyRootFilesystem");
    if (const json::object* lp = GetObject(c, "linuxParameters")) s.init = GetBool(*lp, "initProcessEnabled");
    s.tty = GetBool(c, "pseudoTerminal");
    s.interactive = GetBool(c, "interactive");
    s.stop_timeout_seconds = static_cast<int>(GetInt(c, "stopTimeout", 30));

    auto* ess = c.if_contains("essential");
    cp.essential = !(ess && ess->is_bool()) || ess->as_bool();
    if (const json::array* deps = GetArray(c, "dependsOn"))
      for (const auto& d : *deps)
        if (d.is_object()) {
          std::string dep = GetString(d.as_object(), "containerName");
          if (!by_name.count(dep))
            return AwsError::Make("InvalidParameterException",
                                  "Container " + name + " depends on unknown container " + dep + ".");
          cp.depends_on.push_back(runtime::DependencySpec{dep, GetString(d.as_object(), "condition", "START")});
        }
    if (const json::object* hc = GetObject(c, "healthCheck")) {
      runtime::HealthCheckSpec h;
      if (const json::array* cmd = GetArray(*hc, "command")) h.command = StringList(*cmd);
      h.interval_seconds = static_cast<int>(GetInt(*hc, "interval", 30));
      h.timeout_seconds = static_cast<int>(GetInt(*hc, "timeout", 5));
      h.retries = static_cast<int>(GetInt(*hc, "retries", 3));
      h.start_period_seconds = static_cast<int>(GetInt(*hc, "startPeriod", 0));
      if (!h.command.empty()) cp.health_check = std::move(h);
    }
    if (const json::object* lc = GetObject(c, "logConfiguration"); lc && GetString(*lc, "logDriver") == "awslogs") {
      json::object opts;
      if (const json::object* o = GetObject(*lc, "options")) opts = *o;
      runtime::AwsLogsSpec logs;
      logs.region = GetString(opts, "awslogs-region", in.region);
      logs.group = GetString(opts, "awslogs-group");
      std::string prefix = GetString(opts, "awslogs-stream-prefix");
      logs.stream = (prefix.empty() ? std::string() : prefix + "/") + name + "/" + task_id;
      logs.create_group = GetString(opts, "awslogs-create-group") == "true";
      if (!logs.group.empty()) cp.awslogs = std::move(logs);
    }
    cp.start_timeout_seconds = static_cast<int>(GetInt(c, "startTimeout"));
    plan.containers.push_back(std::move(cp));
    ++index;
  }
  return plan;
}

}  // namespace fargo::services::ecs
