#include "cli/people_commands.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "cli/daemon_client.h"
#include "cli/durations.h"
#include "cli/views.h"

namespace fargo::cli {

namespace json = boost::json;

std::string PeopleOptions::DefaultRegion() {
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "us-east-1";
}

namespace {

constexpr const char* kEcs = "AmazonEC2ContainerServiceV20141113.";
constexpr const char* kLogs = "Logs_20140328.";
constexpr const char* kElbVersion = "2015-12-01";

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Fail(const char* command, const AwsError& e) {
  std::string what = e.code.empty() || e.code == "Unreachable" || e.code == "HttpError" ? e.message
                                                                                        : e.code + ": " + e.message;
  std::fprintf(stderr, "fargo %s: %s\n", command, what.c_str());
  return 1;
}

void PrintJson(const json::value& v) { std::printf("%s\n", json::serialize(v).c_str()); }

std::vector<std::string> Strings(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key); v && v->is_array())
    for (const auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

// ECS read through its API, following nextToken.
class Ecs {
 public:
  explicit Ecs(const DaemonClient& client) : c_(client) {}

  Result<json::object> Call(const char* action, const json::object& in) const {
    return c_.Json("ecs", std::string(kEcs) + action, in);
  }

  // Every page's `key` strings.
  Result<std::vector<std::string>> List(const char* action, json::object in, const char* key) const {
    std::vector<std::string> out;
    for (;;) {
      FARGO_ASSIGN_OR_RETURN(json::object page, Call(action, in));
      for (auto& s : Strings(page, key)) out.push_back(std::move(s));
      std::string next = Text(page, "nextToken");
      if (next.empty()) return out;
      in["nextToken"] = next;
    }
  }

  // Cluster names: `only`, or every cluster.
  Result<std::vector<std::string>> Clusters(const std::string& only) const {
    if (!only.empty()) return std::vector<std::string>{only};
    FARGO_ASSIGN_OR_RETURN(auto arns, List("ListClusters", {}, "clusterArns"));
    std::vector<std::string> names;
    for (const auto& a : arns) names.push_back(LastPart(a));
    std::sort(names.begin(), names.end());
    return names;
  }

  // DescribeTasks in batches of 100.
  Result<std::vector<json::object>> Tasks(const std::string& cluster, const std::vector<std::string>& arns) const {
    std::vector<json::object> out;
    for (size_t i = 0; i < arns.size(); i += 100) {
      json::array batch;
      for (size_t j = i; j < std::min(arns.size(), i + 100); ++j) batch.emplace_back(arns[j]);
      FARGO_ASSIGN_OR_RETURN(json::object page, Call("DescribeTasks", {{"cluster", cluster}, {"tasks", batch}}));
      if (auto* ts = page.if_contains("tasks"); ts && ts->is_array())
        for (const auto& t : ts->as_array())
          if (t.is_object()) out.push_back(t.as_object());
    }
    return out;
  }

  // The tasks of a cluster whose desired status is RUNNING (and STOPPED too with `all`).
  Result<std::vector<json::object>> ClusterTasks(const std::string& cluster, bool all,
                                                 const std::string& service = "") const {
    std::vector<std::string> arns;
    for (const char* desired : {"RUNNING", "STOPPED"}) {
      if (!all && std::string(desired) == "STOPPED") break;
      json::object in{{"cluster", cluster}, {"desiredStatus", desired}};
      if (!service.empty()) in["serviceName"] = service;
      FARGO_ASSIGN_OR_RETURN(auto page, List("ListTasks", in, "taskArns"));
      arns.insert(arns.end(), page.begin(), page.end());
    }
    return Tasks(cluster, arns);
  }

 private:
  const DaemonClient& c_;
};

}  // namespace

// ---- status

int RunStatus(const PeopleOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region, std::chrono::seconds(10));
  DaemonClient::Answer a = client.Call("GET", "/_fargo/status");
  if (a.status == 0) {
    if (opt.json)
      PrintJson(json::object{{"Status", "not running"}, {"Endpoint", opt.endpoint}, {"Error", a.reason}});
    else
      std::fprintf(stderr, "fargo is not running at %s (%s)\n", opt.endpoint.c_str(), a.reason.c_str());
    return 1;
  }
  if (a.status != 200) {
    std::fprintf(stderr, "fargo status: %s answers HTTP %d to GET /_fargo/status: %s\n", opt.endpoint.c_str(),
                 a.status, a.error.c_str());
    return 1;
  }
  if (opt.json)
    PrintJson(a.body);
  else
    std::fputs(StatusText(a.body, UseColor(stdout)).c_str(), stdout);
  return 0;
}

// ---- ps

namespace {

// The image pull of each task still pending, from GET /_fargo/pulls (an
// older daemon without it: none).
void AddPulls(const DaemonClient& client, std::vector<TaskRow>& rows) {
  bool pending = false;
  for (const auto& r : rows) pending |= r.status == "PROVISIONING" || r.status == "PENDING";
  if (!pending) return;
  DaemonClient::Answer a = client.Call("GET", "/_fargo/pulls");
  auto* pulls = a.status == 200 ? a.body.if_contains("Pulls") : nullptr;
  if (!pulls || !pulls->is_array()) return;
  AttachPulls(rows, pulls->as_array());
}

}  // namespace

int RunPs(const PsOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region);
  Ecs ecs(client);
  auto clusters = ecs.Clusters(opt.cluster);
  if (!clusters.ok()) return Fail("ps", clusters.error());
  std::vector<TaskRow> rows;
  for (const auto& cluster : *clusters) {
    auto tasks = ecs.ClusterTasks(cluster, opt.all);
    if (!tasks.ok()) return Fail("ps", tasks.error());
    for (const auto& t : *tasks) rows.push_back(TaskRowOf(cluster, t));
  }
  AddPulls(client, rows);
  // Per cluster and service, the newest first (as docker ps).
  std::stable_sort(rows.begin(), rows.end(), [](const TaskRow& a, const TaskRow& b) {
    if (a.cluster != b.cluster) return a.cluster < b.cluster;
    if (a.service != b.service) return a.service < b.service;
    return a.created_at > b.created_at;
  });
  if (opt.json)
    PrintJson(TasksJson(rows));
  else
    std::fputs(TasksTable(rows, Now()).Render(UseColor(stdout)).c_str(), stdout);
  return 0;
}

// ---- names (shell completion)

int RunNames(const std::string& kind, const PeopleOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region);
  Ecs ecs(client);
  auto clusters = ecs.Clusters(kind == "clusters" ? "" : opt.cluster);
  if (!clusters.ok()) return 0;
  std::vector<std::string> names;
  for (const auto& cluster : *clusters) {
    if (kind == "clusters") {
      names.push_back(cluster);
      continue;
    }
    const bool services = kind == "services";
    json::object in{{"cluster", cluster}};
    auto arns = ecs.List(services ? "ListServices" : "ListTasks", in, services ? "serviceArns" : "taskArns");
    if (!arns.ok()) continue;
    for (const auto& a : *arns) names.push_back(LastPart(a));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& n : names) std::printf("%s\n", n.c_str());
  return 0;
}

// ---- services

int RunServices(const PeopleOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region);
  Ecs ecs(client);
  auto clusters = ecs.Clusters(opt.cluster);
  if (!clusters.ok()) return Fail("services", clusters.error());
  std::vector<ServiceRow> rows;
  for (const auto& cluster : *clusters) {
    auto arns = ecs.List("ListServices", {{"cluster", cluster}}, "serviceArns");
    if (!arns.ok()) return Fail("services", arns.error());
    for (size_t i = 0; i < arns->size(); i += 10) {
      json::array batch;
      for (size_t j = i; j < std::min(arns->size(), i + 10); ++j) batch.emplace_back((*arns)[j]);
      auto page = ecs.Call("DescribeServices", {{"cluster", cluster}, {"services", batch}});
      if (!page.ok()) return Fail("services", page.error());
      if (auto* ss = page->if_contains("services"); ss && ss->is_array())
        for (const auto& s : ss->as_array())
          if (s.is_object()) rows.push_back(ServiceRowOf(cluster, s.as_object()));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ServiceRow& a, const ServiceRow& b) {
    return a.cluster != b.cluster ? a.cluster < b.cluster : a.name < b.name;
  });
  if (opt.json)
    PrintJson(ServicesJson(rows));
  else
    std::fputs(ServicesTable(rows).Render(UseColor(stdout)).c_str(), stdout);
  return 0;
}

// ---- lbs

namespace {

std::vector<pugi::xml_node> Members(const pugi::xml_document& doc, const char* list) {
  std::vector<pugi::xml_node> out;
  for (const auto& x : doc.select_nodes((std::string("//") + list + "/member").c_str())) out.push_back(x.node());
  return out;
}

}  // namespace

int RunLbs(const PeopleOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region);
  auto elb = [&client](const char* action, const std::map<std::string, std::string>& params = {}) {
    return client.Query("elasticloadbalancing", action, kElbVersion, params);
  };
  auto lbs_doc = elb("DescribeLoadBalancers");
  if (!lbs_doc.ok()) return Fail("lbs", lbs_doc.error());
  auto tgs_doc = elb("DescribeTargetGroups");
  if (!tgs_doc.ok()) return Fail("lbs", tgs_doc.error());
  std::map<std::string, std::string> lb_names, tg_names;  // ARN -> name
  for (const auto& m : Members(**lbs_doc, "LoadBalancers"))
    lb_names[m.child_value("LoadBalancerArn")] = m.child_value("LoadBalancerName");
  for (const auto& m : Members(**tgs_doc, "TargetGroups"))
    tg_names[m.child_value("TargetGroupArn")] = m.child_value("TargetGroupName");

  std::vector<LoadBalancerRow> lbs;
  for (const auto& m : Members(**lbs_doc, "LoadBalancers")) {
    LoadBalancerRow r{m.child_value("LoadBalancerName"), m.child_value("LoadBalancerArn"), m.child_value("Type"),
                      m.child_value("Scheme"), m.child("State").child_value("Code"), m.child_value("DNSName"),
                      m.child_value("VpcId"), {}};
    auto ls = elb("DescribeListeners", {{"LoadBalancerArn", r.arn}});
    if (!ls.ok()) return Fail("lbs", ls.error());
    for (const auto& l : Members(**ls, "Listeners")) {
      std::string text = std::string(l.child_value("Protocol")) + ":" + l.child_value("Port");
      std::vector<std::string> to;
      for (const auto& a : l.child("DefaultActions").children("member")) {
        std::string type = a.child_value("Type");
        std::string tg = a.child_value("TargetGroupArn");
        if (tg.empty() && type == "forward")
          for (const auto& t : a.child("ForwardConfig").child("TargetGroups").children("member"))
            tg = t.child_value("TargetGroupArn");
        to.push_back(tg.empty() ? type : (tg_names.count(tg) ? tg_names[tg] : LastPart(tg)));
      }
      for (size_t i = 0; i < to.size(); ++i) text += (i ? "," : " -> ") + to[i];
      r.listeners.push_back(text);
    }
    lbs.push_back(std::move(r));
  }

  std::vector<TargetGroupRow> tgs;
  for (const auto& m : Members(**tgs_doc, "TargetGroups")) {
    TargetGroupRow r;
    r.name = m.child_value("TargetGroupName");
    r.arn = m.child_value("TargetGroupArn");
    r.protocol = m.child_value("Protocol");
    r.port = std::atoll(m.child_value("Port"));
    r.target_type = m.child_value("TargetType");
    r.vpc_id = m.child_value("VpcId");
    for (const auto& a : m.child("LoadBalancerArns").children("member")) {
      std::string arn = a.text().get();
      r.load_balancers.push_back(lb_names.count(arn) ? lb_names[arn] : LastPart(arn));
    }
    auto health = elb("DescribeTargetHealth", {{"TargetGroupArn", r.arn}});
    if (!health.ok()) return Fail("lbs", health.error());
    for (const auto& h : Members(**health, "TargetHealthDescriptions"))
      r.targets.push_back({h.child("Target").child_value("Id"), h.child("TargetHealth").child_value("State"),
                           h.child("TargetHealth").child_value("Reason"),
                           std::atoll(h.child("Target").child_value("Port"))});
    tgs.push_back(std::move(r));
  }
  if (opt.json) {
    PrintJson(LbsJson(lbs, tgs));
    return 0;
  }
  bool colour = UseColor(stdout);
  std::fputs(LoadBalancersTable(lbs).Render(colour).c_str(), stdout);
  std::fputs("\n", stdout);
  std::fputs(TargetGroupsTable(tgs, colour).Render(colour).c_str(), stdout);
  return 0;
}

// ---- logs

namespace {

// One container's awslogs stream.
struct Stream {
  std::string region, group, stream, container, task_id;
};

bool LooksLikeTaskId(const std::string& s) {
  if (s.rfind("arn:", 0) == 0) return true;
  if (s.size() != 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// The tasks `target` names: a task (id or ARN), else a service's tasks
// (running ones, else its stopped ones).
Result<std::vector<json::object>> TargetTasks(const Ecs& ecs, const LogsOptions& opt) {
  FARGO_ASSIGN_OR_RETURN(auto clusters, ecs.Clusters(opt.cluster));
  std::vector<json::object> out;
  for (const auto& cluster : clusters) {
    if (LooksLikeTaskId(opt.target)) {
      FARGO_ASSIGN_OR_RETURN(auto tasks, ecs.Tasks(cluster, {opt.target}));
      if (!tasks.empty()) return tasks;
      continue;
    }
    auto running = ecs.ClusterTasks(cluster, false, opt.target);
    if (!running.ok()) {
      if (running.error().code == "ServiceNotFoundException") continue;
      return running.error();
    }
    if (running->empty()) {
      FARGO_ASSIGN_OR_RETURN(running, ecs.ClusterTasks(cluster, true, opt.target));
    }
    out.insert(out.end(), running->begin(), running->end());
  }
  return out;
}

Result<std::vector<Stream>> StreamsOf(const Ecs& ecs, const std::vector<json::object>& tasks, const LogsOptions& opt,
                                      std::map<std::string, json::object>& taskdefs) {
  std::vector<Stream> out;
  for (const auto& t : tasks) {
    std::string td = Text(t, "taskDefinitionArn");
    if (!taskdefs.count(td)) {
      FARGO_ASSIGN_OR_RETURN(json::object d, ecs.Call("DescribeTaskDefinition", {{"taskDefinition", td}}));
      auto* def = d.if_contains("taskDefinition");
      taskdefs[td] = def && def->is_object() ? def->as_object() : json::object{};
    }
    auto* defs = taskdefs[td].if_contains("containerDefinitions");
    if (!defs || !defs->is_array()) continue;
    std::string task_id = LastPart(Text(t, "taskArn"));
    for (const auto& c : defs->as_array()) {
      if (!c.is_object()) continue;
      const auto& co = c.as_object();
      std::string name = Text(co, "name");
      if (!opt.container.empty() && name != opt.container) continue;
      auto* lc = co.if_contains("logConfiguration");
      if (!lc || !lc->is_object() || Text(lc->as_object(), "logDriver") != "awslogs") continue;
      auto* o = lc->as_object().if_contains("options");
      if (!o || !o->is_object()) continue;
      const auto& options = o->as_object();
      std::string prefix = Text(options, "awslogs-stream-prefix");
      std::string region = Text(options, "awslogs-region");
      out.push_back({region.empty() ? opt.region : region, Text(options, "awslogs-group"),
                     prefix.empty() ? name + "/" + task_id : prefix + "/" + name + "/" + task_id, name, task_id});
    }
  }
  return out;
}

struct Event {
  int64_t timestamp = 0, ingestion = 0;
  std::string id, message, stream;
};

// Events of `streams` from `start_ms` on (0: all), by time.
Result<std::vector<Event>> Fetch(const std::string& endpoint, const std::vector<Stream>& streams, int64_t start_ms) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_group;
  for (const auto& s : streams) by_group[{s.region, s.group}].push_back(s.stream);
  std::vector<Event> out;
  for (const auto& [where, names] : by_group) {
    DaemonClient client(endpoint, where.first);
    for (size_t i = 0; i < names.size(); i += 100) {
      json::array batch;
      for (size_t j = i; j < std::min(names.size(), i + 100); ++j) batch.emplace_back(names[j]);
      json::object in{{"logGroupName", where.second}, {"logStreamNames", batch}};
      if (start_ms > 0) in["startTime"] = start_ms;
      for (;;) {
        auto page = client.Json("logs", std::string(kLogs) + "FilterLogEvents", in);
        if (!page.ok()) {
          // A stream not made yet (the container has printed nothing).
          if (page.error().code == "ResourceNotFoundException") break;
          return page.error();
        }
        if (auto* es = page->if_contains("events"); es && es->is_array())
          for (const auto& e : es->as_array()) {
            if (!e.is_object()) continue;
            const auto& o = e.as_object();
            out.push_back({static_cast<int64_t>(Number(o, "timestamp")),
                           static_cast<int64_t>(Number(o, "ingestionTime")), Text(o, "eventId"),
                           Text(o, "message"), Text(o, "logStreamName")});
          }
        std::string next = Text(*page, "nextToken");
        if (next.empty()) break;
        in["nextToken"] = next;
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.ingestion < b.ingestion;
  });
  return out;
}

}  // namespace

int RunLogs(const LogsOptions& opt) {
  int64_t start_ms = 0;
  if (!opt.since.empty()) {
    auto d = ParseDuration(opt.since);
    if (!d) {
      std::fprintf(stderr, "fargo logs: --since takes a duration such as 30s, 5m, 1h30m (not \"%s\")\n",
                   opt.since.c_str());
      return 2;
    }
    start_ms = static_cast<int64_t>((Now() - *d) * 1000);
  }
  DaemonClient client(opt.endpoint, opt.region);
  Ecs ecs(client);
  std::map<std::string, json::object> taskdefs;
  auto resolve = [&]() -> Result<std::vector<Stream>> {
    FARGO_ASSIGN_OR_RETURN(auto tasks, TargetTasks(ecs, opt));
    return StreamsOf(ecs, tasks, opt, taskdefs);
  };
  auto streams = resolve();
  if (!streams.ok()) return Fail("logs", streams.error());
  if (streams->empty()) {
    std::fprintf(stderr,
                 "fargo logs: no task or service \"%s\" with awslogs output%s%s in %s (try `fargo ps --all`)\n",
                 opt.target.c_str(), opt.container.empty() ? "" : " from container ",
                 opt.container.c_str(), opt.region.c_str());
    return 1;
  }
  bool colour = !opt.json && UseColor(stdout);
  std::set<std::string> seen;  // event ids printed (following)
  int64_t last_ms = start_ms;
  for (int round = 0;; ++round) {
    // Sources: "container" for one task, "container/taskid8" for several.
    std::set<std::string> task_ids;
    for (const auto& s : *streams) task_ids.insert(s.task_id);
    std::map<std::string, std::pair<std::string, const Stream*>> source;  // stream -> (label, stream)
    size_t width = 0;
    for (const auto& s : *streams) {
      std::string label = task_ids.size() > 1 ? s.container + "/" + s.task_id.substr(0, 8) : s.container;
      if (streams->size() == 1) label.clear();
      source[s.stream] = {label, &s};
      width = std::max(width, label.size());
    }
    std::map<std::string, size_t> index;
    for (const auto& [name, v] : source) index.emplace(name, index.size());
    auto events = Fetch(opt.endpoint, *streams, last_ms);
    if (!events.ok()) return Fail("logs", events.error());
    for (const auto& e : *events) {
      if (!seen.insert(e.id).second) continue;
      last_ms = std::max(last_ms, e.timestamp);
      const auto& [label, s] = source[e.stream];
      std::string message = e.message;
      while (!message.empty() && message.back() == '\n') message.pop_back();
      if (opt.json) {
        PrintJson(json::object{{"Timestamp", e.timestamp},
                               {"Container", s ? s->container : ""},
                               {"TaskId", s ? s->task_id : ""},
                               {"LogStream", e.stream},
                               {"Message", message}});
      } else {
        std::printf("%s\n", LogLine(label, width, index[e.stream], message, colour).c_str());
      }
    }
    std::fflush(stdout);
    if (!opt.follow) return 0;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // A service's tasks come and go: look again every few seconds.
    if (round % 5 == 4 && !LooksLikeTaskId(opt.target)) {
      if (auto again = resolve(); again.ok() && !again->empty()) streams = std::move(again);
    }
  }
}

}  // namespace fargo::cli
