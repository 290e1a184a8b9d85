#include "cli/views.h"

#include <cstdio>
#include <map>

#include "cli/durations.h"

namespace fargo::cli {

namespace json = boost::json;

std::string Text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_null()) return "";
  return json::serialize(*v);
}

double Number(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_string()) {
    try {
      return std::stod(std::string(v->as_string()));
    } catch (...) {
    }
  }
  return 0;
}

namespace {

const json::array* Array(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string Bytes(double b) {
  char buf[32];
  if (b >= 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1024.0 * 1024 * 1024));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  return buf;
}

}  // namespace

std::string LastPart(const std::string& arn) {
  auto slash = arn.rfind('/');
  return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

std::string TaskDefinitionName(const std::string& arn) { return LastPart(arn); }

// ---- ps

TaskRow TaskRowOf(const std::string& cluster, const json::object& task) {
  TaskRow r;
  r.cluster = cluster.empty() ? LastPart(Text(task, "clusterArn")) : cluster;
  std::string group = Text(task, "group");
  if (group.rfind("service:", 0) == 0) r.service = group.substr(8);
  r.task_arn = Text(task, "taskArn");
  r.task_id = LastPart(r.task_arn);
  r.status = Text(task, "lastStatus");
  r.desired_status = Text(task, "desiredStatus");
  r.health = Text(task, "healthStatus");
  r.task_definition = TaskDefinitionName(Text(task, "taskDefinitionArn"));
  r.created_at = Number(task, "createdAt");
  r.started_at = Number(task, "startedAt");
  r.stopped_at = Number(task, "stoppedAt");
  if (auto* atts = Array(task, "attachments"))
    for (const auto& a : *atts) {
      if (!a.is_object() || Text(a.as_object(), "type") != "ElasticNetworkInterface") continue;
      if (auto* details = Array(a.as_object(), "details"))
        for (const auto& d : *details)
          if (d.is_object() && Text(d.as_object(), "name") == "privateIPv4Address")
            r.address = Text(d.as_object(), "value");
    }
  std::vector<std::string> images;
  if (auto* cs = Array(task, "containers"))
    for (const auto& c : *cs)
      if (c.is_object()) images.push_back(Text(c.as_object(), "image"));
  if (!images.empty()) r.image = images[0] + (images.size() > 1 ? " (+" + std::to_string(images.size() - 1) + ")" : "");
  return r;
}

std::string PullAmountText(const runtime::PullProgress& p) {
  if (p.layers.empty()) return "";
  auto mb = [](int64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
    return std::string(buf);
  };
  int pct = p.Percent();
  if (pct < 0) return std::to_string(p.LayersDone()) + "/" + std::to_string(p.layers.size()) + " layers";
  return std::to_string(pct) + "% " + mb(p.BytesDone()) + "/" + mb(p.BytesTotal()) + " MB";
}

void AttachPulls(std::vector<TaskRow>& rows, const json::array& pulls) {
  std::map<std::string, runtime::PullProgress> by_task;  // the latest under way per task
  for (const auto& v : pulls) {
    if (!v.is_object()) continue;
    runtime::PullProgress p = runtime::PullProgress::FromJson(v.as_object());
    if (!p.owner.empty() && p.state == runtime::PullProgress::State::kPulling) by_task[p.owner] = std::move(p);
  }
  for (auto& r : rows) {
    auto it = by_task.find(r.task_arn);
    if (it == by_task.end() || (r.status != "PROVISIONING" && r.status != "PENDING")) continue;
    std::string amount = PullAmountText(it->second);
    r.pull = "pulling" + (amount.empty() ? "" : " " + amount);
    r.pull_json = it->second.ToJson();
  }
}

Table TasksTable(const std::vector<TaskRow>& rows, double now) {
  Table t({"CLUSTER", "SERVICE", "TASK", "STATUS", "HEALTH", "ADDRESS", "IMAGE", "AGE"});
  for (const auto& r : rows) {
    double since = r.created_at ? r.created_at : r.started_at;
    t.AddRow({r.cluster, OrDash(r.service), r.task_id,
              Table::Cell(r.pull.empty() ? r.status : r.status + " " + r.pull, StatusColour(r.status)),
              Table::Cell(OrDash(r.health), StatusColour(r.health)), OrDash(r.address), OrDash(r.image),
              since ? FormatAge(now - since) : "-"});
  }
  return t;
}

json::array TasksJson(const std::vector<TaskRow>& rows) {
  json::array out;
  for (const auto& r : rows) {
    json::object o{{"Cluster", r.cluster},          {"Service", r.service},
                   {"TaskId", r.task_id},           {"TaskArn", r.task_arn},
                   {"Status", r.status},            {"DesiredStatus", r.desired_status},
                   {"Health", r.health},            {"Address", r.address},
                   {"Image", r.image},              {"TaskDefinition", r.task_definition},
                   {"CreatedAt", r.created_at}};
    o["StartedAt"] = r.started_at ? json::value(r.started_at) : json::value(nullptr);
    o["StoppedAt"] = r.stopped_at ? json::value(r.stopped_at) : json::value(nullptr);
    o["Pull"] = r.pull_json.empty() ? json::value(nullptr) : json::value(r.pull_json);
    out.push_back(std::move(o));
  }
  return out;
}

// ---- services

ServiceRow ServiceRowOf(const std::string& cluster, const json::object& s) {
  ServiceRow r;
  r.cluster = cluster.empty() ? LastPart(Text(s, "clusterArn")) : cluster;
  r.name = Text(s, "serviceName");
  r.status = Text(s, "status");
  r.task_definition = TaskDefinitionName(Text(s, "taskDefinition"));
  r.desired = static_cast<int64_t>(Number(s, "desiredCount"));
  r.pending = static_cast<int64_t>(Number(s, "pendingCount"));
  r.running = static_cast<int64_t>(Number(s, "runningCount"));
  if (auto* ds = Array(s, "deployments"))
    for (const auto& d : *ds) {
      if (!d.is_object()) continue;
      const auto& o = d.as_object();
      r.deployments.push_back({Text(o, "id"), Text(o, "status"), Text(o, "rolloutState"),
                               TaskDefinitionName(Text(o, "taskDefinition")),
                               static_cast<int64_t>(Number(o, "desiredCount")),
                               static_cast<int64_t>(Number(o, "pendingCount")),
                               static_cast<int64_t>(Number(o, "runningCount"))});
    }
  return r;
}

std::string RolloutText(const ServiceRow& row) {
  std::vector<std::string> parts;
  for (const auto& d : row.deployments)
    parts.push_back(d.rollout_state.empty() ? d.status : d.status + " " + d.rollout_state);
  return parts.empty() ? "-" : Join(parts, ", ");
}

Table ServicesTable(const std::vector<ServiceRow>& rows) {
  Table t({"CLUSTER", "NAME", "DESIRED", "PENDING", "RUNNING", "ROLLOUT", "TASK DEFINITION"});
  for (const auto& r : rows) {
    std::string rollout = RolloutText(r);
    Colour c = rollout.find("FAILED") != std::string::npos        ? Colour::kRed
               : rollout.find("IN_PROGRESS") != std::string::npos ? Colour::kYellow
               : rollout.find("COMPLETED") != std::string::npos   ? Colour::kGreen
                                                                  : Colour::kNone;
    Colour running = r.running == r.desired ? Colour::kGreen : Colour::kYellow;
    t.AddRow({r.cluster, r.name, std::to_string(r.desired), std::to_string(r.pending),
              Table::Cell(std::to_string(r.running), running), Table::Cell(rollout, c), r.task_definition});
  }
  return t;
}

json::array ServicesJson(const std::vector<ServiceRow>& rows) {
  json::array out;
  for (const auto& r : rows) {
    json::array deps;
    for (const auto& d : r.deployments)
      deps.push_back(json::object{{"Id", d.id},
                                  {"Status", d.status},
                                  {"RolloutState", d.rollout_state},
                                  {"TaskDefinition", d.task_definition},
                                  {"Desired", d.desired},
                                  {"Pending", d.pending},
                                  {"Running", d.running}});
    out.push_back(json::object{{"Cluster", r.cluster},
                               {"Name", r.name},
                               {"Status", r.status},
                               {"Desired", r.desired},
                               {"Pending", r.pending},
                               {"Running", r.running},
                               {"TaskDefinition", r.task_definition},
                               {"Deployments", std::move(deps)}});
  }
  return out;
}

// ---- lbs

Table LoadBalancersTable(const std::vector<LoadBalancerRow>& rows) {
  Table t({"NAME", "TYPE", "SCHEME", "STATE", "DNS NAME", "LISTENERS"});
  for (const auto& r : rows)
    t.AddRow({r.name, r.type, r.scheme, Table::Cell(r.state, StatusColour(r.state)), r.dns_name,
              r.listeners.empty() ? "-" : Join(r.listeners, ", ")});
  return t;
}

Table TargetGroupsTable(const std::vector<TargetGroupRow>& rows, bool colour) {
  Table t({"TARGET GROUP", "PROTOCOL", "TYPE", "LOAD BALANCERS", "TARGETS"});
  for (const auto& r : rows) {
    std::vector<std::string> targets;
    for (const auto& x : r.targets) {
      std::string where = x.id + (x.port ? ":" + std::to_string(x.port) : "");
      targets.push_back(where + " " + (colour ? Paint(x.state, StatusColour(x.state)) : x.state));
    }
    // Targets carry their own colours: the cell is painted already.
    t.AddRow({r.name, r.protocol + (r.port ? ":" + std::to_string(r.port) : ""), r.target_type,
              r.load_balancers.empty() ? "-" : Join(r.load_balancers, ", "),
              targets.empty() ? "-" : Join(targets, ", ")});
  }
  return t;
}

json::object LbsJson(const std::vector<LoadBalancerRow>& lbs, const std::vector<TargetGroupRow>& tgs) {
  json::array l, g;
  for (const auto& r : lbs) {
    json::array listeners;
    for (const auto& x : r.listeners) listeners.emplace_back(x);
    l.push_back(json::object{{"Name", r.name},
                             {"Arn", r.arn},
                             {"Type", r.type},
                             {"Scheme", r.scheme},
                             {"State", r.state},
                             {"DNSName", r.dns_name},
                             {"VpcId", r.vpc_id},
                             {"Listeners", std::move(listeners)}});
  }
  for (const auto& r : tgs) {
    json::array names, targets;
    for (const auto& n : r.load_balancers) names.emplace_back(n);
    for (const auto& x : r.targets)
      targets.push_back(json::object{{"Id", x.id}, {"Port", x.port}, {"State", x.state}, {"Reason", x.reason}});
    g.push_back(json::object{{"Name", r.name},
                             {"Arn", r.arn},
                             {"Protocol", r.protocol},
                             {"Port", r.port},
                             {"TargetType", r.target_type},
                             {"VpcId", r.vpc_id},
                             {"LoadBalancers", std::move(names)},
                             {"Targets", std::move(targets)}});
  }
  return json::object{{"LoadBalancers", std::move(l)}, {"TargetGroups", std::move(g)}};
}

// ---- status

std::string StatusText(const json::object& s, bool colour) {
  std::string out;
  auto line = [&out](const char* key, const std::string& value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-10s", key);
    out += std::string(buf) + value + "\n";
  };
  std::string state = Text(s, "Status");
  line("fargo:", (colour ? Paint(state, state == "running" ? Colour::kGreen : Colour::kRed) : state) +
                     " (version " + Text(s, "Version") + ", pid " + Text(s, "Pid") + ", up " +
                     FormatAge(Number(s, "UptimeSeconds")) + ")");
  line("endpoint:", Text(s, "Endpoint"));
  line("data:", Text(s, "DataDir"));
  if (auto* m = s.if_contains("Memory"); m && m->is_object())
    line("memory:", Bytes(Number(m->as_object(), "RssBytes")) + " (peak " +
                        Bytes(Number(m->as_object(), "PeakRssBytes")) + ")");
  if (auto* e = s.if_contains("Engine"); e && e->is_object()) {
    const auto& eo = e->as_object();
    bool reachable = eo.if_contains("Reachable") && eo.at("Reachable").is_bool() && eo.at("Reachable").as_bool();
    std::string what = Text(eo, "Name").empty() ? std::string("engine (check under way)")
                                                : Text(eo, "Name") + " " + Text(eo, "Version") + " (API " +
                                                      Text(eo, "ApiVersion") + ")";
    std::string r = reachable ? "reachable" : "not reachable";
    if (colour) r = Paint(r, reachable ? Colour::kGreen : Colour::kRed);
    line("engine:", what + " at " + Text(eo, "Socket") + ", " + r);
    if (auto* ps = Array(eo, "Problems"))
      for (const auto& p : *ps)
        if (p.is_string()) line("problem:", colour ? Paint(std::string(p.as_string()), Colour::kYellow)
                                                   : std::string(p.as_string()));
  }
  if (auto* names = Array(s, "Services")) {
    std::vector<std::string> v;
    for (const auto& n : *names)
      if (n.is_string()) v.emplace_back(n.as_string());
    line("services:", Join(v, ", "));
  }
  // Per region and service: "clusters 1, services 1, tasks 3 (2 running)".
  if (auto* regions = s.if_contains("Regions"); regions && regions->is_object() && !regions->as_object().empty()) {
    Table t({"REGION", "SERVICE", "RESOURCES"});
    for (const auto& rk : regions->as_object()) {
      std::string region(rk.key());
      const json::value& kinds = rk.value();
      if (!kinds.is_object()) continue;
      std::map<std::string, std::vector<std::string>> by_service;
      const auto& k = kinds.as_object();
      for (const auto& kn : k) {
        std::string key(kn.key());
        const json::value& n = kn.value();
        auto dot = key.find('.');
        if (dot == std::string::npos || key == "ecs.tasks.running") continue;
        std::string item = key.substr(dot + 1) + " " + json::serialize(n);
        if (key == "ecs.tasks")
          item += " (" + (k.if_contains("ecs.tasks.running") ? json::serialize(k.at("ecs.tasks.running")) : "0") +
                  " running)";
        by_service[key.substr(0, dot)].push_back(item);
      }
      for (const auto& [svc, items] : by_service) t.AddRow({region, svc, Join(items, ", ")});
    }
    out += "\n" + t.Render(colour);
  }
  return out;
}

// ---- logs

std::string LogLine(const std::string& source, size_t width, size_t index, const std::string& message, bool colour) {
  if (source.empty()) return message;
  std::string padded = source;
  if (padded.size() < width) padded += std::string(width - padded.size(), ' ');
  static const Colour kCycle[] = {Colour::kGreen, Colour::kYellow, Colour::kGrey, Colour::kRed};
  if (colour) padded = Paint(padded, kCycle[index % 4]);
  return padded + " | " + message;
}

}  // namespace fargo::cli
