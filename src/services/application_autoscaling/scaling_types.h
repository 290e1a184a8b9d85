// Application Auto Scaling's state as fargo keeps it: scalable targets,
// scaling policies and scheduled actions. Each type becomes a document in
// exactly two places: ToStored/FromStored (the store) and Encode* (the wire
// shapes of the application-autoscaling model). What a policy was
// configured with (its Step/TargetTracking/Predictive configuration) is kept
// as the JSON the request gave and described back as is.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fargo::services::autoscaling {

namespace json = boost::json;

// What identifies a scalable target.
struct TargetKey {
  std::string service_namespace;  // ecs, dynamodb, ...
  std::string resource_id;        // service/<cluster>/<service>, table/<name>, ...
  std::string scalable_dimension;  // ecs:service:DesiredCount, ...
};

struct SuspendedState {
  bool dynamic_in = false, dynamic_out = false, scheduled = false;
};

struct ScalableTarget {
  TargetKey key;
  std::string region, account;
  int64_t min_capacity = 0, max_capacity = 0;
  std::string role_arn, arn;
  SuspendedState suspended;
  double created_at = 0;
  std::map<std::string, std::string> tags;
};

struct Alarm {
  std::string name, arn;
};

struct ScalingPolicy {
  TargetKey key;
  std::string region, account;
  std::string name, arn;
  std::string policy_type;  // StepScaling, TargetTrackingScaling, PredictiveScaling
  json::object configuration;  // the configuration member of policy_type, as given
  std::vector<Alarm> alarms;   // the alarms target tracking made
  double created_at = 0;
};

struct ScheduledAction {
  TargetKey key;
  std::string region, account;
  std::string name, arn, schedule, timezone;
  std::optional<double> start_time, end_time;
  std::optional<int64_t> action_min, action_max;  // ScalableTargetAction
  double created_at = 0;
};

// The member of PutScalingPolicy / ScalingPolicy holding `policy_type`'s configuration.
std::string ConfigurationMember(const std::string& policy_type);

json::object ToStored(const ScalableTarget& t);
Result<ScalableTarget> FromStored(const json::object& doc, const ScalableTarget*);
json::object ToStored(const ScalingPolicy& p);
Result<ScalingPolicy> FromStored(const json::object& doc, const ScalingPolicy*);
json::object ToStored(const ScheduledAction& a);
Result<ScheduledAction> FromStored(const json::object& doc, const ScheduledAction*);

json::object EncodeTarget(const ScalableTarget& t);
json::object EncodePolicy(const ScalingPolicy& p);
json::array EncodeAlarms(const std::vector<Alarm>& alarms);
json::object EncodeScheduledAction(const ScheduledAction& a);

}  // namespace fargo::services::autoscaling
