#include "services/ecs/clusters.h"

#include <set>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/service.h"

namespace fargo::services::ecs {

namespace {

Status ValidateSettings(const json::array& settings) {
  for (auto& s : settings) {
    std::string name = GetString(s.as_object(), "name");
    std::string value = GetString(s.as_object(), "value");
    if (name == "containerInsights" && value != "enabled" && value != "disabled" && value != "enhanced")
      return InvalidParameter("The value '" + value +
                              "' is not valid for the containerInsights setting. Valid values are enabled, "
                              "disabled and enhanced.");
  }
  return OkStatus();
}

// Settings with `update` applied by name.
json::array MergeSettings(const json::array& current, const json::array& update) {
  json::array out = current;
  for (auto& u : update) {
    std::string name = GetString(u.as_object(), "name");
    bool done = false;
    for (auto& o : out)
      if (GetString(o.as_object(), "name") == name) {
        o = u;
        done = true;
      }
    if (!done) out.push_back(u);
  }
  return out;
}

Status ValidateConfiguration(const json::object& conf) {
  const json::object* ecc = GetObject(conf, "executeCommandConfiguration");
  if (!ecc) return OkStatus();
  std::string logging = GetString(*ecc, "logging", "DEFAULT");
  bool has_log_conf = Has(*ecc, "logConfiguration");
  if (logging == "OVERRIDE" && !has_log_conf)
    return InvalidParameter("The logConfiguration must be specified when logging is set to OVERRIDE.");
  if (logging != "OVERRIDE" && has_log_conf)
    return InvalidParameter("The logConfiguration can only be specified when logging is set to OVERRIDE.");
  return OkStatus();
}

// Capacity providers a cluster may use (FARGATE and FARGATE_SPOT) and a
// strategy over them; strategy items get their base and weight defaults.
Result<json::array> CheckCapacityProviders(const json::array& providers, const json::array& strategy) {
  std::set<std::string> names;
  for (auto& p : providers) {
    std::string name = p.is_string() ? std::string(p.as_string()) : "";
    if (name != "FARGATE" && name != "FARGATE_SPOT")
      return InvalidParameter("The specified capacity provider '" + name +
                              "' does not exist. Specify a valid capacity provider and try again.");
    names.insert(name);
  }
  json::array out;
  for (auto& sv : strategy) {
    json::object s = sv.as_object();
    if (!names.count(GetString(s, "capacityProvider")))
      return InvalidParameter(
          "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
          "with the cluster. Associate the capacity provider with the cluster or specify a valid capacity "
          "provider and try again.");
    if (!Has(s, "weight")) s["weight"] = 0;
    if (!Has(s, "base")) s["base"] = 0;
    out.push_back(std::move(s));
  }
  return out;
}

json::array Stat(std::initializer_list<std::pair<const char*, int64_t>> kv) {
  json::array out;
  for (auto& [k, v] : kv) out.push_back(json::object{{"name", k}, {"value", std::to_string(v)}});
  return out;
}

}  // namespace

Result<const json::object*> Clusters::Active(const std::string& region, const std::string& id) const {
  const json::object* doc = st_.clusters.Find(store::Collection::Key(region, ClusterNameOf(id)));
  if (!doc || GetString(*doc, "status") != "ACTIVE") return ClusterNotFound();
  return doc;
}

json::object Clusters::View(const std::string& region, const json::object& doc, bool tags, bool settings,
                              bool configurations, bool statistics) const {
  std::string name = GetString(doc, "clusterName");
  int64_t active = 0, draining = 0, running = 0, pending = 0;
  st_.services.ForEachPrefix(store::Collection::Key(region, name + "/"), [&](const std::string&, const json::object& doc) {
    auto s = ServiceFromStored(doc);
    if (!s.ok()) return;
    if (s->status == ServiceStatus::kActive) ++active;
    if (s->status == ServiceStatus::kDraining) ++draining;
  });
  // Every task (of services or not) runs on Fargate.
  st_.tasks.ForEachPrefix(store::Collection::Key(region, name + "/"), [&](const std::string&, const Task& t) {
    if (t.last_status == TaskStatus::kRunning) ++running;
    else if (t.last_status < TaskStatus::kRunning) ++pending;
  });
  int64_t fargate_running = running, fargate_pending = pending;
  json::object v;
  v["clusterArn"] = doc.at("clusterArn");
  v["clusterName"] = name;
  if (configurations && Has(doc, "configuration")) v["configuration"] = doc.at("configuration");
  v["status"] = doc.at("status");
  v["registeredContainerInstancesCount"] = 0;
  v["runningTasksCount"] = running;
  v["pendingTasksCount"] = pending;
  v["activeServicesCount"] = active;
  v["statistics"] = statistics ? Stat({{"runningEC2TasksCount", running - fargate_running},
                                       {"runningFargateTasksCount", fargate_running},
                                       {"pendingEC2TasksCount", pending - fargate_pending},
                                       {"pendingFargateTasksCount", fargate_pending},
                                       {"activeEC2ServiceCount", 0},
                                       {"activeFargateServiceCount", active},
                                       {"drainingEC2ServiceCount", 0},
                                       {"drainingFargateServiceCount", draining}})
                               : json::array{};
  if (tags) v["tags"] = Has(doc, "tags") ? doc.at("tags") : json::array{};
  if (settings) v["settings"] = doc.at("settings");
  v["capacityProviders"] = doc.at("capacityProviders");
  v["defaultCapacityProviderStrategy"] = doc.at("defaultCapacityProviderStrategy");
  v["attachments"] = json::array{};
  if (Has(doc, "attachmentsStatus")) v["attachmentsStatus"] = doc.at("attachmentsStatus");
  if (Has(doc, "serviceConnectDefaults")) v["serviceConnectDefaults"] = doc.at("serviceConnectDefaults");
  return v;
}

Result<json::object> Clusters::Create(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "clusterName", "default");
  if (!ValidName(name))
    return InvalidParameter("Cluster name must be between 1 and 255 characters and contain only letters, "
                            "numbers, hyphens and underscores.");
  std::string key = store::Collection::Key(ctx.region, name);
  if (auto* existing = st_.clusters.Find(key); existing && GetString(*existing, "status") == "ACTIVE")
    return json::object{{"cluster", View(ctx.region, *existing, true, true, true, false)}};

  json::array settings{json::object{{"name", "containerInsights"}, {"value", "disabled"}}};
  if (const json::array* s = GetArray(in, "settings")) {
    FARGO_TRY(ValidateSettings(*s));
    settings = MergeSettings(settings, *s);
  }
  json::array tags;
  if (const json::array* t = GetArray(in, "tags")) {
    FARGO_TRY(ValidateTags(*t));
    tags = *t;
  }
  const json::array none;
  const json::array* providers = GetArray(in, "capacityProviders");
  const json::array* strategy = GetArray(in, "defaultCapacityProviderStrategy");
  FARGO_ASSIGN_OR_RETURN(json::array strat, CheckCapacityProviders(providers ? *providers : none,
                                                                   strategy ? *strategy : none));
  json::object doc;
  doc["clusterArn"] = ClusterArn(ctx.region, ctx.account, name);
  doc["clusterName"] = name;
  if (const json::object* conf = GetObject(in, "configuration")) {
    FARGO_TRY(ValidateConfiguration(*conf));
    doc["configuration"] = *conf;
  }
  doc["status"] = "ACTIVE";
  doc["settings"] = std::move(settings);
  doc["capacityProviders"] = providers ? *providers : json::array{};
  doc["defaultCapacityProviderStrategy"] = std::move(strat);
  doc["tags"] = std::move(tags);
  if (providers && !providers->empty()) doc["attachmentsStatus"] = "UPDATE_COMPLETE";
  if (const json::object* scd = GetObject(in, "serviceConnectDefaults"); scd && !GetString(*scd, "namespace").empty())
    doc["serviceConnectDefaults"] = json::object{{"namespace", GetString(*scd, "namespace")}};
  FARGO_TRY(st_.clusters.Put(key, doc));
  return json::object{{"cluster", View(ctx.region, doc, true, true, true, false)}};
}

Result<json::object> Clusters::Describe(CallContext& ctx, json::object& in) {
  json::array ids;
  if (const json::array* c = GetArray(in, "clusters"); c && !c->empty()) ids = *c;
  else ids.push_back("default");
  if (ids.size() > 100) return InvalidParameter("clusters can have at most 100 items.");
  bool tags = Includes(in, "TAGS"), settings = Includes(in, "SETTINGS"),
       configurations = Includes(in, "CONFIGURATIONS"), statistics = Includes(in, "STATISTICS");
  json::array clusters, failures;
  for (auto& idv : ids) {
    std::string id = idv.is_string() ? std::string(idv.as_string()) : "";
    std::string name = ClusterNameOf(id);
    if (const json::object* doc = st_.clusters.Find(store::Collection::Key(ctx.region, name)))
      clusters.push_back(View(ctx.region, *doc, tags, settings, configurations, statistics));
    else
      failures.push_back(json::object{{"arn", ClusterArn(ctx.region, ctx.account, name)}, {"reason", "MISSING"}});
  }
  return json::object{{"clusters", std::move(clusters)}, {"failures", std::move(failures)}};
}

Result<json::object> Clusters::List(CallContext& ctx, json::object& in) {
  std::vector<std::string> arns;
  st_.clusters.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
    if (GetString(doc, "status") == "ACTIVE") arns.push_back(GetString(doc, "clusterArn"));
  });
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(arns, GetString(in, "nextToken"), GetInt(in, "maxResults"), 100, 100));
  json::object out{{"clusterArns", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<json::object> Clusters::Update(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cur, Active(ctx.region, GetString(in, "cluster")));
  json::object doc = *cur;
  if (const json::array* s = GetArray(in, "settings")) {
    FARGO_TRY(ValidateSettings(*s));
    doc["settings"] = MergeSettings(doc["settings"].as_array(), *s);
  }
  if (const json::object* conf = GetObject(in, "configuration")) {
    FARGO_TRY(ValidateConfiguration(*conf));
    json::object merged = Has(doc, "configuration") ? doc["configuration"].as_object() : json::object{};
    for (auto& [k, v] : *conf) merged[k] = v;
    doc["configuration"] = std::move(merged);
  }
  if (const json::object* scd = GetObject(in, "serviceConnectDefaults")) {
    if (GetString(*scd, "namespace").empty()) doc.erase("serviceConnectDefaults");
    else doc["serviceConnectDefaults"] = json::object{{"namespace", GetString(*scd, "namespace")}};
  }
  std::string key = store::Collection::Key(ctx.region, GetString(doc, "clusterName"));
  FARGO_TRY(st_.clusters.Put(key, doc));
  return json::object{{"cluster", View(ctx.region, doc, true, true, true, false)}};
}

Result<json::object> Clusters::PutCapacityProviders(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cur, Active(ctx.region, GetString(in, "cluster")));
  const json::array none;
  const json::array* providers = GetArray(in, "capacityProviders");
  const json::array* strategy = GetArray(in, "defaultCapacityProviderStrategy");
  FARGO_ASSIGN_OR_RETURN(json::array strat, CheckCapacityProviders(providers ? *providers : none,
                                                                   strategy ? *strategy : none));
  json::object doc = *cur;
  doc["capacityProviders"] = providers ? *providers : json::array{};
  doc["defaultCapacityProviderStrategy"] = std::move(strat);
  doc["attachmentsStatus"] = "UPDATE_COMPLETE";
  FARGO_TRY(st_.clusters.Put(store::Collection::Key(ctx.region, GetString(doc, "clusterName")), doc));
  return json::object{{"cluster", View(ctx.region, doc, true, true, true, false)}};
}

Result<json::object> Clusters::Delete(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cur, Active(ctx.region, GetString(in, "cluster")));
  std::string name = GetString(*cur, "clusterName");
  bool has_services = false;
  st_.services.ForEachPrefix(store::Collection::Key(ctx.region, name + "/"), [&](const std::string&, const json::object& doc) {
    auto s = ServiceFromStored(doc);
    if (s.ok() && s->status != ServiceStatus::kInactive) has_services = true;
  });
  if (has_services)
    return AwsError::Make("ClusterContainsServicesException",
                          "The Cluster cannot be deleted while Services are active.");
  bool has_tasks = false;
  st_.tasks.ForEachPrefix(store::Collection::Key(ctx.region, name + "/"), [&](const std::string&, const Task& t) {
    if (!t.stopped()) has_tasks = true;
  });
  if (has_tasks)
    return AwsError::Make("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
  json::object doc = *cur;
  doc["status"] = "INACTIVE";
  FARGO_TRY(st_.clusters.Put(store::Collection::Key(ctx.region, name), doc));
  return json::object{{"cluster", View(ctx.region, doc, false, true, true, false)}};
}

}  // namespace fargo::services::ecs
