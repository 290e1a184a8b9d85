#include "services/elbv2/elbv2_rule.h"

#include "common/json_access.h"

namespace fargo::services::elbv2 {

namespace json = boost::json;

json::object ToStored(const ListenerRule& r) {
  return json::object{{"kind", "rule"},          {"region", r.region},         {"arn", r.arn},
                      {"listenerArn", r.listener_arn}, {"priority", r.priority},   {"conditions", r.conditions},
                      {"actions", r.actions},    {"tags", StringMapObject(r.tags)}};
}

Result<ListenerRule> FromStored(const json::object& d, const ListenerRule*) {
  if (GetString(d, "kind") != "rule") return AwsError::Make("Internal", "not a listener rule", 500);
  ListenerRule r;
  r.region = GetString(d, "region");
  r.arn = GetString(d, "arn");
  r.listener_arn = GetString(d, "listenerArn");
  r.priority = GetInt(d, "priority");
  if (const json::array* c = GetArray(d, "conditions")) r.conditions = *c;
  if (const json::array* a = GetArray(d, "actions")) r.actions = *a;
  r.tags = GetStringMap(d, "tags");
  return r;
}

json::object RuleView(const ListenerRule& r) {
  return json::object{{"RuleArn", r.arn},
                      {"Priority", std::to_string(r.priority)},
                      {"Conditions", r.conditions},
                      {"Actions", r.actions},
                      {"IsDefault", false}};
}

}  // namespace fargo::services::elbv2
