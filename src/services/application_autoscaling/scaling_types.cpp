#include "services/application_autoscaling/scaling_types.h"

#include "common/json_access.h"

namespace fargo::services::autoscaling {

namespace {

json::object KeyDoc(const TargetKey& k) {
  return json::object{{"serviceNamespace", k.service_namespace},
                      {"resourceId", k.resource_id},
                      {"scalableDimension", k.scalable_dimension}};
}
TargetKey KeyOf(const json::object& d) {
  return TargetKey{GetString(d, "serviceNamespace"), GetString(d, "resourceId"), GetString(d, "scalableDimension")};
}
double GetDouble(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<double>() : 0.0;
}
void PutKey(json::object& o, const TargetKey& k) {
  o["ServiceNamespace"] = k.service_namespace;
  o["ResourceId"] = k.resource_id;
  o["ScalableDimension"] = k.scalable_dimension;
}

}  // namespace

std::string ConfigurationMember(const std::string& policy_type) {
  if (policy_type == "TargetTrackingScaling") return "TargetTrackingScalingPolicyConfiguration";
  if (policy_type == "PredictiveScaling") return "PredictiveScalingPolicyConfiguration";
  return "StepScalingPolicyConfiguration";
}

json::object ToStored(const ScalableTarget& t) {
  json::object tags;
  for (const auto& [k, v] : t.tags) tags[k] = v;
  json::object o = KeyDoc(t.key);
  o["kind"] = "target";
  o["region"] = t.region;
  o["account"] = t.account;
  o["min"] = t.min_capacity;
  o["max"] = t.max_capacity;
  o["roleArn"] = t.role_arn;
  o["arn"] = t.arn;
  o["suspended"] = json::object{{"dynamicIn", t.suspended.dynamic_in},
                                {"dynamicOut", t.suspended.dynamic_out},
                                {"scheduled", t.suspended.scheduled}};
  o["createdAt"] = t.created_at;
  o["tags"] = std::move(tags);
  return o;
}

Result<ScalableTarget> FromStored(const json::object& d, const ScalableTarget*) {
  if (GetString(d, "kind") != "target") return AwsError::Make("Internal", "not a scalable target", 500);
  ScalableTarget t;
  t.key = KeyOf(d);
  t.region = GetString(d, "region");
  t.account = GetString(d, "account");
  t.min_capacity = GetInt(d, "min");
  t.max_capacity = GetInt(d, "max");
  t.role_arn = GetString(d, "roleArn");
  t.arn = GetString(d, "arn");
  if (const json::object* s = GetObject(d, "suspended"))
    t.suspended = {GetBool(*s, "dynamicIn"), GetBool(*s, "dynamicOut"), GetBool(*s, "scheduled")};
  t.created_at = GetDouble(d, "createdAt");
  if (const json::object* tags = GetObject(d, "tags"))
    for (const auto& [k, v] : *tags) t.tags[std::string(k)] = std::string(v.as_string());
  return t;
}

json::object ToStored(const ScalingPolicy& p) {
  json::array alarms;
  for (const auto& a : p.alarms) alarms.push_back(json::object{{"name", a.name}, {"arn", a.arn}});
  json::object o = KeyDoc(p.key);
  o["kind"] = "policy";
  o["region"] = p.region;
  o["account"] = p.account;
  o["name"] = p.name;
  o["arn"] = p.arn;
  o["policyType"] = p.policy_type;
  o["configuration"] = p.configuration;
  o["alarms"] = std::move(alarms);
  o["createdAt"] = p.created_at;
  return o;
}

Result<ScalingPolicy> FromStored(const json::object& d, const ScalingPolicy*) {
  if (GetString(d, "kind") != "policy") return AwsError::Make("Internal", "not a scaling policy", 500);
  ScalingPolicy p;
  p.key = KeyOf(d);
  p.region = GetString(d, "region");
  p.account = GetString(d, "account");
  p.name = GetString(d, "name");
  p.arn = GetString(d, "arn");
  p.policy_type = GetString(d, "policyType");
  if (const json::object* c = GetObject(d, "configuration")) p.configuration = *c;
  if (const json::array* a = GetArray(d, "alarms"))
    for (const auto& x : *a)
      if (x.is_object()) p.alarms.push_back({GetString(x.as_object(), "name"), GetString(x.as_object(), "arn")});
  p.created_at = GetDouble(d, "createdAt");
  return p;
}

json::object ToStored(const ScheduledAction& a) {
  json::object o = KeyDoc(a.key);
  o["kind"] = "scheduledAction";
  o["region"] = a.region;
  o["account"] = a.account;
  o["name"] = a.name;
  o["arn"] = a.arn;
  o["schedule"] = a.schedule;
  o["timezone"] = a.timezone;
  if (a.start_time) o["startTime"] = *a.start_time;
  if (a.end_time) o["endTime"] = *a.end_time;
  if (a.action_min) o["actionMin"] = *a.action_min;
  if (a.action_max) o["actionMax"] = *a.action_max;
  o["createdAt"] = a.created_at;
  return o;
}

Result<ScheduledAction> FromStored(const json::object& d, const ScheduledAction*) {
  if (GetString(d, "kind") != "scheduledAction") return AwsError::Make("Internal", "not a scheduled action", 500);
  ScheduledAction a;
  a.key = KeyOf(d);
  a.region = GetString(d, "region");
  a.account = GetString(d, "account");
  a.name = GetString(d, "name");
  a.arn = GetString(d, "arn");
  a.schedule = GetString(d, "schedule");
  a.timezone = GetString(d, "timezone");
  if (Has(d, "startTime")) a.start_time = GetDouble(d, "startTime");
  if (Has(d, "endTime")) a.end_time = GetDouble(d, "endTime");
  if (Has(d, "actionMin")) a.action_min = GetInt(d, "actionMin");
  if (Has(d, "actionMax")) a.action_max = GetInt(d, "actionMax");
  a.created_at = GetDouble(d, "createdAt");
  return a;
}

json::object EncodeTarget(const ScalableTarget& t) {
  json::object o;
  PutKey(o, t.key);
  o["MinCapacity"] = t.min_capacity;
  o["MaxCapacity"] = t.max_capacity;
  o["RoleARN"] = t.role_arn;
  o["CreationTime"] = t.created_at;
  o["SuspendedState"] = json::object{{"DynamicScalingInSuspended", t.suspended.dynamic_in},
                                     {"DynamicScalingOutSuspended", t.suspended.dynamic_out},
                                     {"ScheduledScalingSuspended", t.suspended.scheduled}};
  o["ScalableTargetARN"] = t.arn;
  return o;
}

json::array EncodeAlarms(const std::vector<Alarm>& alarms) {
  json::array a;
  for (const auto& x : alarms) a.push_back(json::object{{"AlarmName", x.name}, {"AlarmARN", x.arn}});
  return a;
}

json::object EncodePolicy(const ScalingPolicy& p) {
  json::object o{{"PolicyARN", p.arn}, {"PolicyName", p.name}};
  PutKey(o, p.key);
  o["PolicyType"] = p.policy_type;
  o[ConfigurationMember(p.policy_type)] = p.configuration;
  o["Alarms"] = EncodeAlarms(p.alarms);
  o["CreationTime"] = p.created_at;
  return o;
}

json::object EncodeScheduledAction(const ScheduledAction& a) {
  json::object o{{"ScheduledActionName", a.name},
                 {"ScheduledActionARN", a.arn},
                 {"ServiceNamespace", a.key.service_namespace},
                 {"Schedule", a.schedule}};
  if (!a.timezone.empty()) o["Timezone"] = a.timezone;
  o["ResourceId"] = a.key.resource_id;
  o["ScalableDimension"] = a.key.scalable_dimension;
  if (a.start_time) o["StartTime"] = *a.start_time;
  if (a.end_time) o["EndTime"] = *a.end_time;
  json::object action;
  if (a.action_min) action["MinCapacity"] = *a.action_min;
  if (a.action_max) action["MaxCapacity"] = *a.action_max;
  o["ScalableTargetAction"] = std::move(action);
  o["CreationTime"] = a.created_at;
  return o;
}

}  // namespace fargo::services::autoscaling
