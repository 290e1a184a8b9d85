#include "services/application_autoscaling/application_autoscaling_service.h"

#include <algorithm>
#include <regex>
#include <vector>

#include "common/pager.h"

namespace fargo::services {

using autoscaling::Alarm;
using autoscaling::ScalableTarget;
using autoscaling::ScalingPolicy;
using autoscaling::ScheduledAction;
using autoscaling::TargetKey;

namespace {

constexpr size_t kMaxTags = 50;

AwsError Validation(std::string message) { return AwsError::Make("ValidationException", std::move(message)); }

std::string Describe(const TargetKey& k) {
  return "service namespace: " + k.service_namespace + ", resource ID: " + k.resource_id +
         ", scalable dimension: " + k.scalable_dimension;
}

TargetKey KeyOf(const json::object& in) {
  return TargetKey{GetString(in, "ServiceNamespace"), GetString(in, "ResourceId"), GetString(in, "ScalableDimension")};
}

// The shape of the resource ids each scalable dimension takes.
const std::vector<std::pair<std::string, std::regex>>& ResourceIdPatterns() {
  static const std::vector<std::pair<std::string, std::regex>> kPatterns = [] {
    std::vector<std::pair<std::string, std::string>> raw = {
        {"ecs:service:DesiredCount", "service/[^/]+/[^/]+"},
        {"ec2:spot-fleet-request:TargetCapacity", "spot-fleet-request/sfr-[0-9a-zA-Z-]+"},
        {"elasticmapreduce:instancegroup:InstanceCount", "instancegroup/j-[0-9A-Za-z]+/ig-[0-9A-Za-z]+"},
        {"appstream:fleet:DesiredCapacity", "fleet/[^/]+"},
        {"dynamodb:table:ReadCapacityUnits", "table/[^/]+"},
        {"dynamodb:table:WriteCapacityUnits", "table/[^/]+"},
        {"dynamodb:index:ReadCapacityUnits", "table/[^/]+/index/[^/]+"},
        {"dynamodb:index:WriteCapacityUnits", "table/[^/]+/index/[^/]+"},
        {"rds:cluster:ReadReplicaCount", "cluster:[^:]+"},
        {"sagemaker:variant:DesiredInstanceCount", "endpoint/[^/]+/variant/[^/]+"},
        {"sagemaker:variant:DesiredProvisionedConcurrency", "endpoint/[^/]+/variant/[^/]+"},
        {"sagemaker:inference-component:DesiredCopyCount", "inference-component/[^/]+"},
        {"custom-resource:ResourceType:Property", "https://.+"},
        {"comprehend:document-classifier-endpoint:DesiredInferenceUnits", "arn:aws[a-z-]*:comprehend:.+"},
        {"comprehend:entity-recognizer-endpoint:DesiredInferenceUnits", "arn:aws[a-z-]*:comprehend:.+"},
        {"lambda:function:ProvisionedConcurrency", "function:[^:]+:[^:]+"},
        {"cassandra:table:ReadCapacityUnits", "keyspace/[^/]+/table/[^/]+"},
        {"cassandra:table:WriteCapacityUnits", "keyspace/[^/]+/table/[^/]+"},
        {"kafka:broker-storage:VolumeSize", "arn:aws[a-z-]*:kafka:.+"},
        {"elasticache:cache-cluster:Nodes", "cache-cluster/[^/]+"},
        {"elasticache:replication-group:NodeGroups", "replication-group/[^/]+"},
        {"elasticache:replication-group:Replicas", "replication-group/[^/]+"},
        {"neptune:cluster:ReadReplicaCount", "cluster:[^:]+"},
        {"workspaces:workspacespool:DesiredUserSessions", "workspacespool/[^/]+"},
    };
    std::vector<std::pair<std::string, std::regex>> out;
    for (auto& [d, p] : raw) out.emplace_back(d, std::regex(p));
    return out;
  }();
  return kPatterns;
}

// ValidationException unless `k` is a namespace, dimension and resource id
// that belong together. With `dimension_required` false an empty dimension
// passes (Describe calls filter with it).
Status ValidateKey(const TargetKey& k, bool dimension_required = true) {
  if (k.scalable_dimension.empty() && !dimension_required) return OkStatus();
  std::string ns_of_dimension = k.scalable_dimension.substr(0, k.scalable_dimension.find(':'));
  if (ns_of_dimension != k.service_namespace)
    return Validation("Unsupported service namespace, resource type or scalable dimension");
  if (k.resource_id.empty() && !dimension_required) return OkStatus();
  for (const auto& [d, re] : ResourceIdPatterns())
    if (d == k.scalable_dimension) {
      if (!std::regex_match(k.resource_id, re))
        return Validation("Unsupported service namespace, resource type or scalable dimension");
      return OkStatus();
    }
  return Validation("Unsupported service namespace, resource type or scalable dimension");
}

Result<PageSpan> PageOf(const json::object& in, size_t n) {
  size_t start = 0;
  if (Has(in, "NextToken")) {
    auto at = ParsePageToken(GetString(in, "NextToken"));
    if (!at) return AwsError::Make("InvalidNextTokenException", "Invalid token");
    start = *at;
  }
  int64_t max = GetInt(in, "MaxResults", 50);
  if (max < 1 || max > 50) return Validation("MaxResults must be between 1 and 50");
  return PageAt(n, start, static_cast<size_t>(max));
}

std::vector<std::string> Strings(const json::object& in, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = GetArray(in, key))
    for (const auto& v : *a) out.emplace_back(v.as_string());
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Which predefined metric types each namespace takes.
bool MetricFitsNamespace(const std::string& metric, const std::string& ns) {
  static const std::vector<std::pair<std::string, std::string>> kPrefixes = {
      {"ecs", "ECSService"},          {"ec2", "EC2SpotFleetRequest"}, {"dynamodb", "DynamoDB"},
      {"rds", "RDSReader"},           {"sagemaker", "SageMaker"},     {"appstream", "AppStream"},
      {"comprehend", "Comprehend"},   {"lambda", "Lambda"},           {"cassandra", "Cassandra"},
      {"kafka", "Kafka"},             {"elasticache", "ElastiCache"}, {"neptune", "Neptune"},
      {"workspaces", "WorkSpaces"}};
  if (metric == "ALBRequestCountPerTarget") return ns == "ecs" || ns == "ec2";
  for (const auto& [n, prefix] : kPrefixes)
    if (n == ns) return metric.rfind(prefix, 0) == 0;
  return false;
}

Status ValidateTargetTracking(const json::object& c, const std::string& ns) {
  const json::object* pre = GetObject(c, "PredefinedMetricSpecification");
  const json::object* custom = GetObject(c, "CustomizedMetricSpecification");
  if (!pre && !custom)
    return Validation("Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.");
  if (pre && custom)
    return Validation("PredefinedMetricSpecification and CustomizedMetricSpecification cannot both be specified.");
  if (pre) {
    std::string type = GetString(*pre, "PredefinedMetricType");
    if (!MetricFitsNamespace(type, ns))
      return Validation("Unsupported predefined metric type " + type + " for service namespace " + ns);
    if (type == "ALBRequestCountPerTarget" && GetString(*pre, "ResourceLabel").empty())
      return Validation("ResourceLabel is required for predefined metric type ALBRequestCountPerTarget");
  }
  if (custom) {
    bool metrics = Has(*custom, "Metrics");
    bool single = Has(*custom, "MetricName") || Has(*custom, "Namespace") || Has(*custom, "Statistic");
    if (metrics && single)
      return Validation("Metrics cannot be specified together with MetricName, Namespace or Statistic.");
    if (!metrics && (!Has(*custom, "MetricName") || !Has(*custom, "Namespace") || !Has(*custom, "Statistic")))
      return Validation("MetricName, Namespace and Statistic are required in CustomizedMetricSpecification.");
  }
  auto* target = c.if_contains("TargetValue");
  if (!target || !target->is_number() || target->to_number<double>() <= 0)
    return Validation("TargetValue must be greater than 0.");
  return OkStatus();
}

Status ValidateStep(const json::object& c) {
  const json::array* steps = GetArray(c, "StepAdjustments");
  if (!steps || steps->empty()) return Validation("StepAdjustments must contain at least one step adjustment.");
  int open_lower = 0, open_upper = 0;
  for (const auto& s : *steps) {
    const json::object& o = s.as_object();
    bool has_lower = Has(o, "MetricIntervalLowerBound"), has_upper = Has(o, "MetricIntervalUpperBound");
    open_lower += !has_lower;
    open_upper += !has_upper;
    if (has_lower && has_upper &&
        o.at("MetricIntervalLowerBound").to_number<double>() >= o.at("MetricIntervalUpperBound").to_number<double>())
      return Validation("The upper bound of a step adjustment must be greater than its lower bound.");
  }
  if (open_lower > 1) return Validation("Only one step adjustment can have an unbounded lower bound.");
  if (open_upper > 1) return Validation("Only one step adjustment can have an unbounded upper bound.");
  std::string type = GetString(c, "AdjustmentType");
  if (Has(c, "MinAdjustmentMagnitude") && type != "PercentChangeInCapacity")
    return Validation("MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type.");
  return OkStatus();
}

bool IsScheduleExpression(const std::string& s) {
  for (const char* head : {"at(", "rate(", "cron("})
    if (s.rfind(head, 0) == 0 && s.size() > std::string(head).size() + 1 && s.back() == ')') return true;
  return false;
}

std::string Join(const std::string& a, const std::string& b) { return a + "|" + b; }

// What DescribeScalingPolicies and DescribeScheduledActions answer: the items
// of `coll` under `prefix` (the caller's ServiceNamespace) that match the
// request's optional ScalableDimension, ResourceId and names (`names_member`),
// a page of them encoded into `out_member`.
template <typename T, typename Encode>
Result<json::object> DescribeNamed(const store::TypedCollection<T>& coll, const std::string& prefix,
                                   const json::object& in, const char* names_member, const char* out_member,
                                   Encode encode) {
  std::string dimension = GetString(in, "ScalableDimension");
  std::string resource = GetString(in, "ResourceId");
  std::vector<std::string> names = Strings(in, names_member);
  std::vector<const T*> hits;
  coll.ForEachPrefix(prefix, [&](const std::string&, const T& item) {
    if (!dimension.empty() && item.key.scalable_dimension != dimension) return;
    if (!resource.empty() && item.key.resource_id != resource) return;
    if (!names.empty() && !Contains(names, item.name)) return;
    hits.push_back(&item);
  });
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, hits.size()));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i) out.push_back(encode(*hits[i]));
  json::object r{{out_member, std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

}  // namespace

std::string ApplicationAutoScalingService::DefaultRoleArn(const std::string& account, const std::string& ns) {
  static const std::vector<std::pair<std::string, std::string>> kSuffixes = {
      {"ecs", "ECSService"},
      {"dynamodb", "DynamoDBTable"},
      {"ec2", "EC2SpotFleetRequest"},
      {"rds", "RDSCluster"},
      {"lambda", "LambdaConcurrency"},
      {"sagemaker", "SageMakerEndpoint"},
      {"appstream", "AppStreamFleet"},
      {"cassandra", "CassandraTable"},
      {"comprehend", "ComprehendEndpoint"},
      {"kafka", "KafkaCluster"},
      {"elasticache", "ElastiCacheRG"},
      {"neptune", "NeptuneCluster"},
      {"custom-resource", "CustomResource"},
      {"workspaces", "WorkSpacesPool"}};
  if (ns == "elasticmapreduce") return "arn:aws:iam::" + account + ":role/EMR_AutoScaling_DefaultRole";
  for (const auto& [n, suffix] : kSuffixes)
    if (n == ns)
      return "arn:aws:iam::" + account + ":role/aws-service-role/" + ns +
             ".application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_" + suffix;
  return "";
}

ApplicationAutoScalingService::ApplicationAutoScalingService(Env env)
    : env_(env),
      targets_(env.store, "autoscaling.targets"),
      policies_(env.store, "autoscaling.policies"),
      actions_(env.store, "autoscaling.scheduled_actions") {}

Status ApplicationAutoScalingService::Start() {
  FARGO_TRY(targets_.Load());
  FARGO_TRY(policies_.Load());
  return actions_.Load();
}

Result<json::object> ApplicationAutoScalingService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<ApplicationAutoScalingService>& ApplicationAutoScalingService::Table() {
  using S = ApplicationAutoScalingService;
  static const HandlerTable<S> table{
      {"RegisterScalableTarget", &S::RegisterScalableTarget},
      {"DescribeScalableTargets", &S::DescribeScalableTargets},
      {"DeregisterScalableTarget", &S::DeregisterScalableTarget},
      {"PutScalingPolicy", &S::PutScalingPolicy},
      {"DescribeScalingPolicies", &S::DescribeScalingPolicies},
      {"DeleteScalingPolicy", &S::DeleteScalingPolicy},
      {"PutScheduledAction", &S::PutScheduledAction},
      {"DescribeScheduledActions", &S::DescribeScheduledActions},
      {"DeleteScheduledAction", &S::DeleteScheduledAction},
      {"DescribeScalingActivities", &S::DescribeScalingActivities},
      {"TagResource", &S::TagResource},
      {"UntagResource", &S::UntagResource},
      {"ListTagsForResource", &S::ListTagsForResource},
  };
  return table;
}

std::string ApplicationAutoScalingService::TargetKeyOf(const CallContext& ctx, const TargetKey& k) {
  return Prefix(ctx) + k.service_namespace + "|" + k.resource_id + "|" + k.scalable_dimension;
}

Result<const ScalableTarget*> ApplicationAutoScalingService::FindTarget(const CallContext& ctx,
                                                                         const TargetKey& k) const {
  const ScalableTarget* t = targets_.Find(TargetKeyOf(ctx, k));
  if (!t) return AwsError::Make("ObjectNotFoundException", "No scalable target registered for " + Describe(k));
  return t;
}

const ScalableTarget* ApplicationAutoScalingService::TargetByArn(const CallContext& ctx, const std::string& arn) const {
  const ScalableTarget* found = nullptr;
  targets_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const ScalableTarget& t) {
    if (t.arn == arn) found = &t;
  });
  return found;
}

// ---- scalable targets -----------------------------------------------------------

Result<json::object> ApplicationAutoScalingService::RegisterScalableTarget(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  std::string key = TargetKeyOf(ctx, k);
  const ScalableTarget* existing = targets_.Find(key);
  ScalableTarget t;
  if (existing) {
    t = *existing;
  } else {
    if (!Has(in, "MinCapacity") || !Has(in, "MaxCapacity"))
      return Validation("MinCapacity and MaxCapacity are required to register a new scalable target");
    if (check_resource_)
      if (auto why = check_resource_(ctx.region, ctx.account, k)) return Validation(*why);
    t.key = k;
    t.region = ctx.region;
    t.account = ctx.account;
    t.arn = "arn:aws:application-autoscaling:" + ctx.region + ":" + ctx.account + ":scalable-target/" +
            env_.ids.Hex(36);
    t.role_arn = DefaultRoleArn(ctx.account, k.service_namespace);
    t.created_at = env_.clock.NowSeconds();
  }
  if (Has(in, "MinCapacity")) t.min_capacity = GetInt(in, "MinCapacity");
  if (Has(in, "MaxCapacity")) t.max_capacity = GetInt(in, "MaxCapacity");
  if (t.min_capacity < 0 || t.max_capacity < 0) return Validation("Capacity values must not be negative");
  if (t.min_capacity > t.max_capacity)
    return Validation("Minimum capacity cannot be greater than maximum capacity");
  if (Has(in, "RoleARN")) t.role_arn = GetString(in, "RoleARN");
  if (const json::object* s = GetObject(in, "SuspendedState")) {
    if (Has(*s, "DynamicScalingInSuspended")) t.suspended.dynamic_in = GetBool(*s, "DynamicScalingInSuspended");
    if (Has(*s, "DynamicScalingOutSuspended")) t.suspended.dynamic_out = GetBool(*s, "DynamicScalingOutSuspended");
    if (Has(*s, "ScheduledScalingSuspended")) t.suspended.scheduled = GetBool(*s, "ScheduledScalingSuspended");
  }
  if (const json::object* tags = GetObject(in, "Tags")) {
    if (existing) return Validation("Tags can only be specified when registering a new scalable target");
    for (const auto& [tk, tv] : *tags) t.tags[std::string(tk)] = std::string(tv.as_string());
    if (t.tags.size() > kMaxTags)
      return AwsError::Make("TooManyTagsException", "A resource can have at most 50 tags");
  }
  std::string arn = t.arn;
  FARGO_TRY(targets_.Put(key, std::move(t)));
  return json::object{{"ScalableTargetARN", arn}};
}

Result<json::object> ApplicationAutoScalingService::DescribeScalableTargets(CallContext& ctx, json::object& in) {
  std::string ns = GetString(in, "ServiceNamespace");
  std::string dimension = GetString(in, "ScalableDimension");
  if (!dimension.empty()) FARGO_TRY(ValidateKey(TargetKey{ns, "", dimension}, false));
  std::vector<std::string> ids = Strings(in, "ResourceIds");
  std::vector<const ScalableTarget*> hits;
  targets_.ForEachPrefix(Prefix(ctx) + ns + "|", [&](const std::string&, const ScalableTarget& t) {
    if (!dimension.empty() && t.key.scalable_dimension != dimension) return;
    if (!ids.empty() && !Contains(ids, t.key.resource_id)) return;
    hits.push_back(&t);
  });
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, hits.size()));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i) out.push_back(autoscaling::EncodeTarget(*hits[i]));
  json::object r{{"ScalableTargets", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> ApplicationAutoScalingService::DeregisterScalableTarget(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  FARGO_ASSIGN_OR_RETURN(const ScalableTarget* t, FindTarget(ctx, k));
  std::string key = TargetKeyOf(ctx, t->key);
  // A target takes its policies and scheduled actions with it, as on AWS.
  std::vector<std::string> doomed;
  policies_.ForEachPrefix(key + "|", [&](const std::string& pk, const ScalingPolicy&) { doomed.push_back(pk); });
  for (const auto& pk : doomed) FARGO_TRY(policies_.Erase(pk));
  doomed.clear();
  actions_.ForEachPrefix(key + "|", [&](const std::string& ak, const ScheduledAction&) { doomed.push_back(ak); });
  for (const auto& ak : doomed) FARGO_TRY(actions_.Erase(ak));
  FARGO_TRY(targets_.Erase(key));
  return json::object{};
}

// ---- scaling policies -----------------------------------------------------------

Result<json::object> ApplicationAutoScalingService::PutScalingPolicy(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  std::string name = GetString(in, "PolicyName");
  std::string type = GetString(in, "PolicyType", "StepScaling");
  for (const char* member : {"StepScalingPolicyConfiguration", "TargetTrackingScalingPolicyConfiguration",
                             "PredictiveScalingPolicyConfiguration"})
    if (Has(in, member) && member != autoscaling::ConfigurationMember(type))
      return Validation(std::string(member) + " is not supported for policy type " + type);
  std::string member = autoscaling::ConfigurationMember(type);
  const json::object* config = GetObject(in, member);
  if (!config) return Validation(member + " is required for policy type " + type);
  if (type == "StepScaling") FARGO_TRY(ValidateStep(*config));
  if (type == "TargetTrackingScaling") FARGO_TRY(ValidateTargetTracking(*config, k.service_namespace));
  FARGO_ASSIGN_OR_RETURN(const ScalableTarget* target, FindTarget(ctx, k));
  std::string key = Join(TargetKeyOf(ctx, target->key), name);
  ScalingPolicy p;
  const ScalingPolicy* existing = policies_.Find(key);
  if (existing) {
    p = *existing;
  } else {
    p.key = k;
    p.region = ctx.region;
    p.account = ctx.account;
    p.name = name;
    p.arn = "arn:aws:autoscaling:" + ctx.region + ":" + ctx.account + ":scalingPolicy:" + env_.ids.Uuid() +
            ":resource/" + k.service_namespace + "/" + k.resource_id + ":policyName/" + name;
    p.created_at = env_.clock.NowSeconds();
  }
  // Target tracking makes its two CloudWatch alarms (one when scale-in is off).
  bool tracking = type == "TargetTrackingScaling";
  bool scale_in = tracking && !GetBool(*config, "DisableScaleIn");
  if (!tracking) {
    p.alarms.clear();
  } else if (p.policy_type != type || (p.alarms.size() == 2) != scale_in) {
    p.alarms.clear();
    auto alarm = [&](const char* which) {
      std::string alarm_name = "TargetTracking-" + k.resource_id + "-" + which + "-" + env_.ids.Uuid();
      p.alarms.push_back({alarm_name, "arn:aws:cloudwatch:" + ctx.region + ":" + ctx.account + ":alarm:" + alarm_name});
    };
    alarm("AlarmHigh");
    if (scale_in) alarm("AlarmLow");
  }
  p.policy_type = type;
  p.configuration = *config;
  json::object out{{"PolicyARN", p.arn}};
  if (tracking) out["Alarms"] = autoscaling::EncodeAlarms(p.alarms);
  FARGO_TRY(policies_.Put(key, std::move(p)));
  return out;
}

Result<json::object> ApplicationAutoScalingService::DescribeScalingPolicies(CallContext& ctx, json::object& in) {
  std::string ns = GetString(in, "ServiceNamespace");
  std::string dimension = GetString(in, "ScalableDimension");
  if (!dimension.empty()) FARGO_TRY(ValidateKey(TargetKey{ns, GetString(in, "ResourceId"), dimension}, false));
  return DescribeNamed(policies_, Prefix(ctx) + ns + "|", in, "PolicyNames", "ScalingPolicies",
                       [](const ScalingPolicy& p) { return autoscaling::EncodePolicy(p); });
}

Result<json::object> ApplicationAutoScalingService::DeleteScalingPolicy(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  std::string name = GetString(in, "PolicyName");
  std::string key = Join(TargetKeyOf(ctx, k), name);
  if (!policies_.Find(key))
    return AwsError::Make("ObjectNotFoundException",
                          "No scaling policy found for " + Describe(k) + ", policy name: " + name);
  FARGO_TRY(policies_.Erase(key));
  return json::object{};
}

// ---- scheduled actions ----------------------------------------------------------

Result<json::object> ApplicationAutoScalingService::PutScheduledAction(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  std::string name = GetString(in, "ScheduledActionName");
  FARGO_ASSIGN_OR_RETURN(const ScalableTarget* target, FindTarget(ctx, k));
  std::string key = Join(TargetKeyOf(ctx, target->key), name);
  ScheduledAction a;
  const ScheduledAction* existing = actions_.Find(key);
  if (existing) {
    a = *existing;
  } else {
    if (!Has(in, "Schedule")) return Validation("Schedule is required to create a scheduled action");
    a.key = k;
    a.region = ctx.region;
    a.account = ctx.account;
    a.name = name;
    a.arn = "arn:aws:autoscaling:" + ctx.region + ":" + ctx.account + ":scheduledAction:" + env_.ids.Uuid() +
            ":resource/" + k.service_namespace + "/" + k.resource_id + ":scheduledActionName/" + name;
    a.created_at = env_.clock.NowSeconds();
  }
  if (Has(in, "Schedule")) {
    std::string schedule = GetString(in, "Schedule");
    if (!IsScheduleExpression(schedule)) return Validation("Unsupported schedule expression: " + schedule);
    a.schedule = schedule;
  }
  if (Has(in, "Timezone")) a.timezone = GetString(in, "Timezone");
  auto time = [&](const char* m) -> std::optional<double> {
    auto* v = in.if_contains(m);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
  };
  if (Has(in, "StartTime")) a.start_time = time("StartTime");
  if (Has(in, "EndTime")) a.end_time = time("EndTime");
  if (a.start_time && a.end_time && *a.start_time >= *a.end_time)
    return Validation("EndTime must be after StartTime");
  if (const json::object* action = GetObject(in, "ScalableTargetAction")) {
    a.action_min = Has(*action, "MinCapacity") ? std::optional<int64_t>(GetInt(*action, "MinCapacity")) : std::nullopt;
    a.action_max = Has(*action, "MaxCapacity") ? std::optional<int64_t>(GetInt(*action, "MaxCapacity")) : std::nullopt;
    if (a.action_min && a.action_max && *a.action_min > *a.action_max)
      return Validation("Minimum capacity cannot be greater than maximum capacity");
  }
  FARGO_TRY(actions_.Put(key, std::move(a)));
  return json::object{};
}

Result<json::object> ApplicationAutoScalingService::DescribeScheduledActions(CallContext& ctx, json::object& in) {
  std::string ns = GetString(in, "ServiceNamespace");
  std::string dimension = GetString(in, "ScalableDimension");
  if (!dimension.empty()) FARGO_TRY(ValidateKey(TargetKey{ns, GetString(in, "ResourceId"), dimension}, false));
  return DescribeNamed(actions_, Prefix(ctx) + ns + "|", in, "ScheduledActionNames", "ScheduledActions",
                       [](const ScheduledAction& a) { return autoscaling::EncodeScheduledAction(a); });
}

Result<json::object> ApplicationAutoScalingService::DeleteScheduledAction(CallContext& ctx, json::object& in) {
  TargetKey k = KeyOf(in);
  FARGO_TRY(ValidateKey(k));
  std::string name = GetString(in, "ScheduledActionName");
  std::string key = Join(TargetKeyOf(ctx, k), name);
  if (!actions_.Find(key))
    return AwsError::Make("ObjectNotFoundException",
                          "No scheduled action found for " + Describe(k) + ", scheduled action name: " + name);
  FARGO_TRY(actions_.Erase(key));
  return json::object{};
}

Result<json::object> ApplicationAutoScalingService::DescribeScalingActivities(CallContext& ctx, json::object& in) {
  (void)ctx;
  std::string dimension = GetString(in, "ScalableDimension");
  if (!dimension.empty())
    FARGO_TRY(ValidateKey(TargetKey{GetString(in, "ServiceNamespace"), GetString(in, "ResourceId"), dimension}, false));
  FARGO_TRY(PageOf(in, 0));
  return json::object{{"ScalingActivities", json::array{}}};
}

// ---- tags -----------------------------------------------------------------------

Result<json::object> ApplicationAutoScalingService::TagResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  const ScalableTarget* found = TargetByArn(ctx, arn);
  if (!found) {
    AwsError e = AwsError::Make("ResourceNotFoundException", "No scalable target found for " + arn);
    e.details.emplace_back("ResourceName", arn);
    return e;
  }
  ScalableTarget t = *found;
  if (const json::object* tags = GetObject(in, "Tags"))
    for (const auto& [k, v] : *tags) t.tags[std::string(k)] = std::string(v.as_string());
  if (t.tags.size() > kMaxTags) {
    AwsError e = AwsError::Make("TooManyTagsException", "A resource can have at most 50 tags");
    e.details.emplace_back("ResourceName", arn);
    return e;
  }
  FARGO_TRY(targets_.Put(TargetKeyOf(ctx, t.key), std::move(t)));
  return json::object{};
}

Result<json::object> ApplicationAutoScalingService::UntagResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  const ScalableTarget* found = TargetByArn(ctx, arn);
  if (!found) {
    AwsError e = AwsError::Make("ResourceNotFoundException", "No scalable target found for " + arn);
    e.details.emplace_back("ResourceName", arn);
    return e;
  }
  ScalableTarget t = *found;
  for (const auto& k : Strings(in, "TagKeys")) t.tags.erase(k);
  FARGO_TRY(targets_.Put(TargetKeyOf(ctx, t.key), std::move(t)));
  return json::object{};
}

Result<json::object> ApplicationAutoScalingService::ListTagsForResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  const ScalableTarget* t = TargetByArn(ctx, arn);
  if (!t) {
    AwsError e = AwsError::Make("ResourceNotFoundException", "No scalable target found for " + arn);
    e.details.emplace_back("ResourceName", arn);
    return e;
  }
  json::object tags;
  for (const auto& [k, v] : t->tags) tags[k] = v;
  return json::object{{"Tags", std::move(tags)}};
}

}  // namespace fargo::services
