#include "services/ecs/services.h"

#include "services/ecs/deployment.h"
#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/service.h"

namespace fargo::services::ecs {

namespace {

bool UsesFargate(const json::object& svc) {
  if (GetString(svc, "launchType") == "FARGATE") return true;
  if (const json::array* s = GetArray(svc, "capacityProviderStrategy"))
    for (auto& i : *s)
      if (GetString(i.as_object(), "capacityProvider").rfind("FARGATE", 0) == 0) return true;
  return false;
}

// The network configuration as stored: assignPublicIp defaults to DISABLED.
Result<json::object> CheckNetworkConfiguration(const json::object& nc, bool fargate) {
  const json::object* vpc = GetObject(nc, "awsvpcConfiguration");
  if (!vpc) return InvalidParameter("Network Configuration must contain an awsvpcConfiguration.");
  json::object out = *vpc;
  const json::array* subnets = GetArray(out, "subnets");
  if (!subnets || subnets->empty()) return InvalidParameter("subnets can not be empty.");
  if (subnets->size() > 16) return InvalidParameter("The maximum number of subnets is 16.");
  if (const json::array* sgs = GetArray(out, "securityGroups"); sgs && sgs->size() > 5)
    return InvalidParameter("The maximum number of security groups is 5.");
  if (!Has(out, "assignPublicIp")) out["assignPublicIp"] = "DISABLED";
  if (!fargate && GetString(out, "assignPublicIp") == "ENABLED")
    return InvalidParameter("Assign public IP is not supported for this launch type.");
  return json::object{{"awsvpcConfiguration", std::move(out)}};
}

// Load balancers must name a container and port of the task definition.
Status CheckLoadBalancers(const json::array& lbs, const json::object& td) {
  for (auto& lbv : lbs) {
    const auto& lb = lbv.as_object();
    if (GetString(lb, "targetGroupArn").empty() && GetString(lb, "loadBalancerName").empty())
      return InvalidParameter("A load balancer must specify a targetGroupArn or a loadBalancerName.");
    std::string name = GetString(lb, "containerName");
    int64_t port = GetInt(lb, "containerPort");
    const json::object* container = nullptr;
    for (auto& c : td.at("containerDefinitions").as_array())
      if (GetString(c.as_object(), "name") == name) container = &c.as_object();
    if (!container) return InvalidParameter("The container " + name + " does not exist in the task definition.");
    bool found = false;
    if (const json::array* pms = GetArray(*container, "portMappings"))
      for (auto& pm : *pms) found |= GetInt(pm.as_object(), "containerPort") == port;
    if (!found)
      return InvalidParameter("The container " + name + " did not have a container port " + std::to_string(port) +
                              " defined.");
  }
  return OkStatus();
}

Result<json::object> MergeDeploymentConfiguration(json::object base, const json::object& update) {
  for (auto& [k, v] : update) base[k] = v;
  if (GetInt(base, "minimumHealthyPercent") > GetInt(base, "maximumPercent"))
    return InvalidParameter("The minimumHealthyPercent must be less than or equal to the maximumPercent.");
  return base;
}

std::string PlatformFamily(const json::object& td) {
  if (const json::object* rp = GetObject(td, "runtimePlatform")) {
    std::string os = GetString(*rp, "operatingSystemFamily");
    if (os.rfind("WINDOWS", 0) == 0) return os;
  }
  return "Linux";
}

}  // namespace

Result<std::string> Services::ActiveServiceKey(CallContext& ctx, const json::object& in) const {
  ServiceId id = ParseServiceId(GetString(in, "service"));
  std::string cluster_id = GetString(in, "cluster");
  if (cluster_id.empty() && !id.cluster.empty()) cluster_id = id.cluster;
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, cluster_id));
  std::string key = ServiceKey(ctx.region, GetString(*cluster, "clusterName"), id.name);
  const json::object* cur = st_.services.Find(key);
  if (!cur) return ServiceNotFound();
  FARGO_ASSIGN_OR_RETURN(Service s, ServiceFromStored(*cur));
  if (s.status != ServiceStatus::kActive) return ServiceNotActive();
  return key;
}

Result<json::object> Services::Schedule(const std::string& key) {
  scheduler_.Schedule(key);
  FARGO_ASSIGN_OR_RETURN(Service s, ServiceFromStored(*st_.services.Find(key)));
  return json::object{{"service", EncodeService(s, true)}};
}

Status Services::Advance(const std::string& key, Service& svc) {
  if (!AdvanceService(svc, st_.env.clock.NowSeconds(), st_.env.ids)) return OkStatus();
  return st_.services.Put(key, ToStored(svc));
}

Result<json::object> Services::Create(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string cluster_name = GetString(*cluster, "clusterName");
  std::string name = GetString(in, "serviceName");
  if (!ValidName(name))
    return InvalidParameter("Service name must be between 1 and 255 characters and contain only letters, "
                            "numbers, hyphens and underscores.");
  std::string key = store::Collection::Key(ctx.region, cluster_name + "/" + name);
  std::string token = GetString(in, "clientToken");
  if (const json::object* doc = st_.services.Find(key)) {
    FARGO_ASSIGN_OR_RETURN(Service existing, ServiceFromStored(*doc));
    if (existing.status == ServiceStatus::kActive) {
      if (!token.empty() && existing.client_token == token)
        return json::object{{"service", EncodeService(existing, true)}};
      return InvalidParameter("Creation of service was not idempotent.");
    }
    if (existing.status == ServiceStatus::kDraining)
      return InvalidParameter("Unable to Start a service that is still Draining.");
  }

  std::string strategy_kind = GetString(in, "schedulingStrategy", "REPLICA");
  json::object controller{{"type", "ECS"}};
  if (const json::object* dc = GetObject(in, "deploymentController")) controller = *dc;
  std::string td_ref = GetString(in, "taskDefinition");
  const json::object* td = nullptr;
  if (GetString(controller, "type") == "ECS") {
    if (td_ref.empty()) return InvalidParameter("Task definition must be specified for the ECS deployment controller.");
    td = taskdefs_.Find(ctx.region, td_ref);
    if (!td) return ClientError("TaskDefinition not found.");
    if (GetString(*td, "status") != "ACTIVE")
      return ClientError("TaskDefinition is inactive.");
  }

  Service s;
  json::object& svc = s.config;
  s.service_arn = ServiceArn(ctx.region, ctx.account, cluster_name, name);
  s.service_name = name;
  s.cluster_arn = GetString(*cluster, "clusterArn");
  svc["loadBalancers"] = Has(in, "loadBalancers") ? in.at("loadBalancers") : json::array{};
  svc["serviceRegistries"] = Has(in, "serviceRegistries") ? in.at("serviceRegistries") : json::array{};
  s.status = ServiceStatus::kActive;
  s.desired_count = strategy_kind == "DAEMON" ? 0 : GetInt(in, "desiredCount", 0);

  // Launch type or capacity provider strategy.
  const json::array* cps = GetArray(in, "capacityProviderStrategy");
  if (Has(in, "launchType") && cps && !cps->empty())
    return InvalidParameter("Specifying both a launch type and capacity provider strategy is not supported. "
                            "Remove one and try again.");
  json::array strategy = cps ? *cps : json::array{};
  if (!Has(in, "launchType") && strategy.empty())
    strategy = cluster->at("defaultCapacityProviderStrategy").as_array();
  if (!strategy.empty()) {
    json::array filled;
    const json::array& attached = cluster->at("capacityProviders").as_array();
    for (auto& sv : strategy) {
      json::object item = sv.as_object();
      bool ok = false;
      for (auto& a : attached) ok |= a.is_string() && a.as_string() == GetString(item, "capacityProvider");
      if (!ok)
        return InvalidParameter("The specified capacity provider strategy cannot contain a capacity provider that "
                                "is not associated with the cluster. Associate the capacity provider with the "
                                "cluster or specify a valid capacity provider and try again.");
      if (!Has(item, "weight")) item["weight"] = 0;
      if (!Has(item, "base")) item["base"] = 0;
      filled.push_back(std::move(item));
    }
    svc["capacityProviderStrategy"] = std::move(filled);
  } else {
    svc["launchType"] = GetString(in, "launchType", "EC2");
  }
  bool fargate = UsesFargate(svc);
  if (fargate) {
    if (td) {
      bool compatible = false;
      for (auto& c : td->at("compatibilities").as_array()) compatible |= c.as_string() == "FARGATE";
      if (!compatible) return InvalidParameter("Task definition does not support launch_type FARGATE.");
    }
    svc["platformVersion"] = GetString(in, "platformVersion", "LATEST");
    svc["platformFamily"] = td ? PlatformFamily(*td) : std::string("Linux");
  } else if (Has(in, "platformVersion")) {
    return InvalidParameter("The platform version must be null when specifying an EC2 launch type.");
  }
  if (td) s.task_definition = GetString(*td, "taskDefinitionArn");

  json::object dc{{"deploymentCircuitBreaker", json::object{{"enable", false}, {"rollback", false}}},
                  {"maximumPercent", strategy_kind == "DAEMON" ? 100 : 200},
                  {"minimumHealthyPercent", strategy_kind == "DAEMON" ? 0 : 100}};
  if (const json::object* given = GetObject(in, "deploymentConfiguration")) {
    FARGO_ASSIGN_OR_RETURN(dc, MergeDeploymentConfiguration(std::move(dc), *given));
  }
  svc["deploymentConfiguration"] = std::move(dc);
  const json::array* lbs = GetArray(in, "loadBalancers");
  if (Has(in, "role")) {
    std::string role = GetString(in, "role");
    if (td && GetString(*td, "networkMode") == "awsvpc")
      return InvalidParameter("You cannot specify an IAM role for services that require a service linked role.");
    svc["roleArn"] = role.rfind("arn:", 0) == 0 ? role : "arn:aws:iam::" + ctx.account + ":role/" + role;
  } else if (lbs && !lbs->empty()) {
    svc["roleArn"] = "arn:aws:iam::" + ctx.account + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
  }
  s.created_at = st_.env.clock.NowSeconds();
  svc["placementConstraints"] = Has(in, "placementConstraints") ? in.at("placementConstraints") : json::array{};
  svc["placementStrategy"] = Has(in, "placementStrategy") ? in.at("placementStrategy") : json::array{};

  std::string mode = td ? GetString(*td, "networkMode") : "";
  if (const json::object* nc = GetObject(in, "networkConfiguration")) {
    if (td && mode != "awsvpc")
      return InvalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
    FARGO_ASSIGN_OR_RETURN(json::object checked, CheckNetworkConfiguration(*nc, fargate));
    svc["networkConfiguration"] = std::move(checked);
  } else if (mode == "awsvpc") {
    return InvalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (lbs && td) FARGO_TRY(CheckLoadBalancers(*lbs, *td));
  if (Has(in, "healthCheckGracePeriodSeconds")) {
    if (!lbs || lbs->empty())
      return InvalidParameter("Health check grace period is only valid for services configured to use load balancers");
    svc["healthCheckGracePeriodSeconds"] = in.at("healthCheckGracePeriodSeconds");
  }
  svc["schedulingStrategy"] = strategy_kind;
  svc["deploymentController"] = controller;
  json::array tags;
  if (const json::array* t = GetArray(in, "tags")) {
    FARGO_TRY(ValidateTags(*t));
    tags = *t;
  }
  svc["tags"] = std::move(tags);
  svc["createdBy"] = "arn:aws:iam::" + ctx.account + ":root";
  svc["enableECSManagedTags"] = GetBool(in, "enableECSManagedTags");
  svc["propagateTags"] = GetString(in, "propagateTags", "NONE");
  svc["enableExecuteCommand"] = GetBool(in, "enableExecuteCommand");
  svc["availabilityZoneRebalancing"] = GetString(in, "availabilityZoneRebalancing", "ENABLED");
  s.client_token = token;

  double now = st_.env.clock.NowSeconds();
  BeginDeployment(s, st_.env.ids, now);
  AdvanceService(s, now, st_.env.ids);
  FARGO_TRY(st_.services.Put(key, ToStored(s)));
  return Schedule(key);
}

Result<json::object> Services::Update(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(std::string key, ActiveServiceKey(ctx, in));
  FARGO_ASSIGN_OR_RETURN(Service s, ServiceFromStored(*st_.services.Find(key)));
  json::object& svc = s.config;
  double now = st_.env.clock.NowSeconds();
  bool new_deployment = GetBool(in, "forceNewDeployment");

  const json::object* td = nullptr;
  if (Has(in, "taskDefinition")) {
    td = taskdefs_.Find(ctx.region, GetString(in, "taskDefinition"));
    if (!td) return ClientError("TaskDefinition not found.");
    if (GetString(*td, "status") != "ACTIVE") return ClientError("TaskDefinition is inactive.");
    if (GetString(*td, "taskDefinitionArn") != s.task_definition) {
      s.task_definition = GetString(*td, "taskDefinitionArn");
      new_deployment = true;
    }
  } else if (!s.task_definition.empty()) {
    td = taskdefs_.Find(ctx.region, s.task_definition);
  }
  if (const json::array* cps = GetArray(in, "capacityProviderStrategy"); cps && !cps->empty()) {
    json::array filled;
    for (auto& sv : *cps) {
      json::object item = sv.as_object();
      if (!Has(item, "weight")) item["weight"] = 0;
      if (!Has(item, "base")) item["base"] = 0;
      filled.push_back(std::move(item));
    }
    if (json::value(filled) != svc["capacityProviderStrategy"]) {
      svc["capacityProviderStrategy"] = std::move(filled);
      svc.erase("launchType");
      new_deployment = true;
    }
  }
  bool fargate = UsesFargate(svc);
  if (Has(in, "platformVersion")) {
    if (!fargate) return InvalidParameter("The platform version must be null when specifying an EC2 launch type.");
    if (GetString(in, "platformVersion") != GetString(svc, "platformVersion")) new_deployment = true;
    svc["platformVersion"] = in.at("platformVersion");
  }
  if (fargate && !Has(svc, "platformVersion")) {
    svc["platformVersion"] = "LATEST";
    svc["platformFamily"] = td ? PlatformFamily(*td) : std::string("Linux");
  }
  if (td && fargate) {
    bool compatible = false;
    for (auto& c : td->at("compatibilities").as_array()) compatible |= c.as_string() == "FARGATE";
    if (!compatible) return InvalidParameter("Task definition does not support launch_type FARGATE.");
  }
  if (const json::object* nc = GetObject(in, "networkConfiguration")) {
    FARGO_ASSIGN_OR_RETURN(json::object checked, CheckNetworkConfiguration(*nc, fargate));
    if (json::value(checked) != svc["networkConfiguration"]) new_deployment = true;
    svc["networkConfiguration"] = std::move(checked);
  }
  if (td && GetString(*td, "networkMode") == "awsvpc" && !Has(svc, "networkConfiguration"))
    return InvalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (const json::array* lbs = GetArray(in, "loadBalancers")) {
    if (td) FARGO_TRY(CheckLoadBalancers(*lbs, *td));
    if (json::value(*lbs) != svc["loadBalancers"]) new_deployment = true;
    svc["loadBalancers"] = *lbs;
  }
  if (const json::object* dc = GetObject(in, "deploymentConfiguration")) {
    FARGO_ASSIGN_OR_RETURN(json::object merged,
                           MergeDeploymentConfiguration(svc["deploymentConfiguration"].as_object(), *dc));
    svc["deploymentConfiguration"] = std::move(merged);
  }
  if (Has(in, "healthCheckGracePeriodSeconds")) {
    const json::array* lbs = GetArray(svc, "loadBalancers");
    if ((!lbs || lbs->empty()) && GetInt(in, "healthCheckGracePeriodSeconds") != 0)
      return InvalidParameter("Health check grace period is only valid for services configured to use load balancers");
    svc["healthCheckGracePeriodSeconds"] = in.at("healthCheckGracePeriodSeconds");
  }
  for (const char* k : {"enableExecuteCommand", "enableECSManagedTags", "propagateTags",
                        "availabilityZoneRebalancing", "serviceRegistries", "placementConstraints",
                        "placementStrategy", "deploymentController"})
    if (Has(in, k)) svc[k] = in.at(k);

  if (Has(in, "desiredCount")) {
    if (GetString(svc, "schedulingStrategy") == "DAEMON")
      return InvalidParameter("The desired count cannot be set for a service with the DAEMON scheduling strategy.");
    s.desired_count = GetInt(in, "desiredCount");
  }
  if (new_deployment) {
    BeginDeployment(s, st_.env.ids, now);
  } else if (Deployment* primary = s.primary(); primary && primary->desired_count != s.desired_count) {
    primary->desired_count = s.desired_count;
    primary->updated_at = now;
  }
  AdvanceService(s, now, st_.env.ids);
  FARGO_TRY(st_.services.Put(key, ToStored(s)));
  return Schedule(key);
}

Result<json::object> Services::Describe(CallContext& ctx, json::object& in) {
  std::string cluster_name = ClusterNameOf(GetString(in, "cluster"));
  if (!st_.clusters.Find(store::Collection::Key(ctx.region, cluster_name))) return ClusterNotFound();
  const json::array* ids = GetArray(in, "services");
  if (!ids || ids->empty()) return InvalidParameter("services can not be empty.");
  if (ids->size() > 10) return InvalidParameter("services can have at most 10 items.");
  bool tags = Includes(in, "TAGS");
  json::array services, failures;
  for (auto& idv : *ids) {
    ServiceId id = ParseServiceId(idv.is_string() ? std::string(idv.as_string()) : "");
    std::string cname = id.cluster.empty() ? cluster_name : id.cluster;
    std::string key = store::Collection::Key(ctx.region, cname + "/" + id.name);
    const json::object* found = st_.services.Find(key);
    if (!found || cname != cluster_name) {
      failures.push_back(json::object{{"arn", ServiceArn(ctx.region, ctx.account, cluster_name, id.name)},
                                      {"reason", "MISSING"}});
      continue;
    }
    FARGO_ASSIGN_OR_RETURN(Service s, ServiceFromStored(*found));
    FARGO_TRY(Advance(key, s));
    services.push_back(EncodeService(s, tags));
  }
  return json::object{{"services", std::move(services)}, {"failures", std::move(failures)}};
}

Result<json::object> Services::List(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* cluster, clusters_.Active(ctx.region, GetString(in, "cluster")));
  std::string launch = GetString(in, "launchType");
  std::string scheduling = GetString(in, "schedulingStrategy");
  std::vector<std::string> arns;
  st_.services.ForEachPrefix(store::Collection::Key(ctx.region, GetString(*cluster, "clusterName") + "/"),
                             [&](const std::string&, const json::object& doc) {
                               auto s = ServiceFromStored(doc);
                               if (!s.ok() || s->status == ServiceStatus::kInactive) return;
                               if (!launch.empty() && GetString(s->config, "launchType") != launch) return;
                               if (!scheduling.empty() && GetString(s->config, "schedulingStrategy") != scheduling)
                                 return;
                               arns.push_back(s->service_arn);
                             });
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(arns, GetString(in, "nextToken"), GetInt(in, "maxResults"), 10, 100));
  json::object out{{"serviceArns", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<json::object> Services::Delete(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(std::string key, ActiveServiceKey(ctx, in));
  FARGO_ASSIGN_OR_RETURN(Service s, ServiceFromStored(*st_.services.Find(key)));
  if (!GetBool(in, "force") && GetString(s.config, "schedulingStrategy") == "REPLICA" && s.desired_count > 0)
    return InvalidParameter("The service cannot be stopped while it is scaled above 0.");
  double now = st_.env.clock.NowSeconds();
  s.desired_count = 0;
  for (Deployment& d : s.deployments) {
    d.desired_count = 0;
    d.updated_at = now;
  }
  s.status = ServiceStatus::kDraining;
  s.draining_since = now;
  AdvanceService(s, now, st_.env.ids);
  FARGO_TRY(st_.services.Put(key, ToStored(s)));
  return Schedule(key);
}

}  // namespace fargo::services::ecs
