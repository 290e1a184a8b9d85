// Listener rules: CreateRule, ModifyRule, DeleteRule, SetRulePriorities and
// DescribeRules (created rules by priority, then the listener's default
// rule, whose actions are the listener's DefaultActions).
#include <algorithm>
#include <set>

#include "services/elbv2/elbv2_names.h"
#include "services/elbv2/elbv2_rule.h"
#include "services/elbv2/elbv2_service.h"
#include "services/elbv2/elbv2_util.h"

namespace fargo::services {

using namespace elbv2;  // NOLINT: this file implements the elbv2 service

namespace {

AwsError Invalid(const std::string& message) { return AwsError::Make("ValidationError", message); }
AwsError RuleNotFound() { return AwsError::Make("RuleNotFound", "One or more rules not found"); }
AwsError PriorityInUse(int64_t p) {
  return AwsError::Make("PriorityInUse", "Priority '" + std::to_string(p) + "' is currently in use");
}

// AWS's limit on the values a rule's conditions compare with ("match
// evaluations"), wildcards included.
constexpr size_t kMaxConditionValues = 5;
constexpr size_t kMaxValueLength = 128;

// The values of a host-header/path-pattern/http-request-method/source-ip
// condition: its Config's Values, or the legacy Values.
Result<std::vector<std::string>> ConfigValues(const json::object& c, const char* config, const std::string& field) {
  auto legacy = Strings(c, "Values");
  const json::object* cfg = GetObject(c, config);
  auto given = cfg ? Strings(*cfg, "Values") : std::vector<std::string>{};
  if (cfg && !legacy.empty() && legacy != given)
    return Invalid("You cannot specify both 'Values' and '" + std::string(config) + "' for the field '" + field + "'");
  return cfg ? given : legacy;
}

Status CheckValue(const std::string& field, const std::string& v, const std::string& allowed_extra) {
  if (v.empty()) return Invalid("A condition value for the field '" + field + "' cannot be empty");
  if (v.size() > kMaxValueLength)
    return Invalid("The condition value '" + v + "' for the field '" + field + "' exceeds " +
                   std::to_string(kMaxValueLength) + " characters");
  for (unsigned char ch : v)
    if (!std::isalnum(ch) && allowed_extra.find(static_cast<char>(ch)) == std::string::npos)
      return Invalid("The condition value '" + v + "' for the field '" + field + "' contains invalid characters");
  return OkStatus();
}

bool IsCidr(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  std::string ip = s.substr(0, slash), bits = s.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), ::isdigit)) return false;
  int n = std::stoi(bits);
  bool v6 = ip.find(':') != std::string::npos;
  if (n > (v6 ? 128 : 32)) return false;
  if (v6) return true;
  int parts = 0, val = -1;
  for (char ch : ip + ".") {
    if (ch == '.') {
      if (val < 0 || val > 255) return false;
      ++parts;
      val = -1;
    } else if (std::isdigit(static_cast<unsigned char>(ch))) {
      val = (val < 0 ? 0 : val * 10) + (ch - '0');
      if (val > 255) return false;
    } else {
      return false;
    }
  }
  return parts == 4;
}

}  // namespace

// Validates conditions as AWS does and returns them as DescribeRules shows
// them: host-header and path-pattern with both Values and their Config,
// the others with their Config only.
Result<json::array> elbv2::NormalizeConditions(const json::array& conditions) {
  if (conditions.empty()) return Invalid("At least one condition must be specified");
  json::array out;
  std::set<std::string> seen;
  size_t count = 0;
  for (const auto& cv : conditions) {
    const json::object& c = cv.as_object();
    std::string field = GetString(c, "Field");
    if (field.empty()) return Invalid("A condition field must be specified");
    bool once = field != "http-header" && field != "query-string";
    if (once && !seen.insert(field).second)
      return Invalid("A rule can only have one '" + field + "' condition");
    json::object n{{"Field", field}};
    if (field == "host-header" || field == "path-pattern") {
      bool host = field == "host-header";
      const char* config = host ? "HostHeaderConfig" : "PathPatternConfig";
      FARGO_ASSIGN_OR_RETURN(auto values, ConfigValues(c, config, field));
      for (const auto& v : values) FARGO_TRY(CheckValue(field, v, host ? "-.*?" : "_-.$/~\"'@:+&*?="));
      count += values.size();
      json::array list;
      for (const auto& v : values) list.push_back(json::string(v));
      n["Values"] = list;
      n[config] = json::object{{"Values", std::move(list)}};
      if (values.empty()) return Invalid("A value must be specified for the condition field '" + field + "'");
    } else if (field == "http-header") {
      const json::object* cfg = GetObject(c, "HttpHeaderConfig");
      std::string name = cfg ? GetString(*cfg, "HttpHeaderName") : "";
      if (name.empty()) return Invalid("An HTTP header name must be specified for the condition field 'http-header'");
      if (name.size() > 40) return Invalid("The HTTP header name '" + name + "' exceeds 40 characters");
      auto values = Strings(*cfg, "Values");
      if (values.empty()) return Invalid("A value must be specified for the condition field 'http-header'");
      json::array list;
      for (const auto& v : values) {
        if (v.size() > kMaxValueLength) return Invalid("The condition value '" + v + "' exceeds 128 characters");
        list.push_back(json::string(v));
      }
      count += values.size();
      n["HttpHeaderConfig"] = json::object{{"HttpHeaderName", name}, {"Values", std::move(list)}};
    } else if (field == "http-request-method") {
      FARGO_ASSIGN_OR_RETURN(auto values, ConfigValues(c, "HttpRequestMethodConfig", field));
      if (values.empty()) return Invalid("A value must be specified for the condition field '" + field + "'");
      json::array list;
      for (const auto& v : values) {
        if (v.size() > 40 || v.empty() ||
            !std::all_of(v.begin(), v.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'; }))
          return Invalid("The HTTP request method '" + v + "' is not valid");
        list.push_back(json::string(v));
      }
      count += values.size();
      n["HttpRequestMethodConfig"] = json::object{{"Values", std::move(list)}};
    } else if (field == "query-string") {
      const json::object* cfg = GetObject(c, "QueryStringConfig");
      const json::array* pairs = cfg ? GetArray(*cfg, "Values") : nullptr;
      if (!pairs || pairs->empty()) return Invalid("A value must be specified for the condition field 'query-string'");
      json::array list;
      for (const auto& p : *pairs) {
        const json::object& po = p.as_object();
        std::string value = GetString(po, "Value");
        if (value.empty()) return Invalid("A query string condition value must be specified");
        json::object pair;
        if (Has(po, "Key")) pair["Key"] = GetString(po, "Key");
        pair["Value"] = value;
        list.push_back(std::move(pair));
      }
      count += list.size();
      n["QueryStringConfig"] = json::object{{"Values", std::move(list)}};
    } else if (field == "source-ip") {
      FARGO_ASSIGN_OR_RETURN(auto values, ConfigValues(c, "SourceIpConfig", field));
      if (values.empty()) return Invalid("A value must be specified for the condition field 'source-ip'");
      json::array list;
      for (const auto& v : values) {
        if (!IsCidr(v)) return Invalid("The source IP '" + v + "' is not a valid CIDR block");
        list.push_back(json::string(v));
      }
      count += values.size();
      n["SourceIpConfig"] = json::object{{"Values", std::move(list)}};
    } else {
      return Invalid("Condition field '" + field + "' is not supported");
    }
    if (count > kMaxConditionValues)
      return Invalid("A rule can only have '" + std::to_string(kMaxConditionValues) + "' condition values");
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<std::string> Elbv2Service::RuleKeysOf(const std::string& region, const std::string& listener_arn) const {
  std::vector<std::pair<int64_t, std::string>> found;
  rules_.ForEachPrefix(region + "/", [&](const std::string& key, const ListenerRule& r) {
    if (r.listener_arn == listener_arn) found.emplace_back(r.priority, key);
  });
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [p, k] : found) out.push_back(std::move(k));
  return out;
}

Result<json::array> Elbv2Service::NormalizeRuleActions(const std::string& region, const json::object& listener_doc,
                                                       const json::array& actions) const {
  if (actions.empty()) return Invalid("At least one action must be specified");
  const json::object& l = *GetObject(listener_doc, "listener");
  auto* lb_doc = lbs_.Find(store::Collection::Key(region, GetString(l, "LoadBalancerArn")));
  if (!lb_doc) return LoadBalancerNotFound();
  FARGO_ASSIGN_OR_RETURN(json::array normalized, NormalizeActions(region, *lb_doc, actions));
  FARGO_TRY(CheckCompatible(tgs_, region, GetString(*GetObject(*lb_doc, "lb"), "Type"), GetString(l, "Protocol"),
                            normalized));
  return normalized;
}

Result<json::object> Elbv2Service::CreateRule(CallContext& ctx, json::object& in) {
  std::string listener_arn = GetString(in, "ListenerArn");
  const json::object* ldoc = listeners_.Find(store::Collection::Key(ctx.region, listener_arn));
  if (!ldoc) return ListenerNotFound();
  const json::object& l = *GetObject(*ldoc, "listener");
  auto* lb_doc = lbs_.Find(store::Collection::Key(ctx.region, GetString(l, "LoadBalancerArn")));
  if (!lb_doc) return LoadBalancerNotFound();
  if (GetString(*GetObject(*lb_doc, "lb"), "Type") != "application")
    return Invalid("Rules can be added only to listeners of Application Load Balancers");
  int64_t priority = GetInt(in, "Priority");
  if (priority < 1 || priority > 50000) return Invalid("Priority must be between 1 and 50000");
  static const json::array kNone;
  const json::array* conditions = GetArray(in, "Conditions");
  const json::array* actions = GetArray(in, "Actions");
  FARGO_ASSIGN_OR_RETURN(json::array conds, NormalizeConditions(conditions ? *conditions : kNone));
  FARGO_ASSIGN_OR_RETURN(json::array acts, NormalizeRuleActions(ctx.region, *ldoc, actions ? *actions : kNone));
  FARGO_ASSIGN_OR_RETURN(json::object tags, TagsFromList(GetArray(in, "Tags")));
  size_t on_lb = 0;
  for (const auto& lk : ListenerKeysOf(ctx.region, GetString(l, "LoadBalancerArn")))
    on_lb += RuleKeysOf(ctx.region, GetString(*GetObject(*listeners_.Find(lk), "listener"), "ListenerArn")).size();
  for (const auto& key : RuleKeysOf(ctx.region, listener_arn)) {
    const ListenerRule& other = *rules_.Find(key);
    if (other.priority != priority) continue;
    // The same rule again is an idempotent success, as AWS answers it.
    if (other.conditions == conds && other.actions == acts) return json::object{{"Rules", json::array{RuleView(other)}}};
    return PriorityInUse(priority);
  }
  if (on_lb >= 100) return AwsError::Make("TooManyRules", "The quota for the number of rules has been reached");
  ListenerRule r;
  r.region = ctx.region;
  r.arn = ListenerRuleArn(listener_arn, env_.ids.Hex(16));
  r.listener_arn = listener_arn;
  r.priority = priority;
  r.conditions = std::move(conds);
  r.actions = std::move(acts);
  for (const auto& kv : tags) r.tags[std::string(kv.key())] = std::string(kv.value().as_string());
  json::object view = RuleView(r);
  std::string key = store::Collection::Key(ctx.region, r.arn);
  FARGO_TRY(rules_.Put(key, std::move(r)));
  return json::object{{"Rules", json::array{std::move(view)}}};
}

const json::object* Elbv2Service::ListenerOfDefaultRule(const std::string& region, const std::string& rule_arn) const {
  const json::object* match = nullptr;
  if (KindOfArn(rule_arn) != ArnKind::kListenerRule) return nullptr;
  listeners_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& doc) {
    if (GetString(doc, "ruleArn") == rule_arn) match = &doc;
  });
  return match;
}

namespace {
json::object DefaultRuleView(const json::object& listener_doc) {
  return json::object{{"RuleArn", GetString(listener_doc, "ruleArn")},
                      {"Priority", "default"},
                      {"Conditions", json::array{}},
                      {"Actions", *GetArray(*GetObject(listener_doc, "listener"), "DefaultActions")},
                      {"IsDefault", true}};
}
}  // namespace

Result<json::object> Elbv2Service::ModifyRule(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "RuleArn");
  const json::array* conditions = GetArray(in, "Conditions");
  const json::array* actions = GetArray(in, "Actions");
  if (const json::object* ldoc = ListenerOfDefaultRule(ctx.region, arn)) {
    // The default rule: its actions are the listener's default actions.
    if (conditions && !conditions->empty())
      return AwsError::Make("OperationNotPermitted", "Conditions cannot be specified for the default rule '" + arn + "'");
    json::object doc = *ldoc;
    if (actions) {
      FARGO_ASSIGN_OR_RETURN(json::array acts, NormalizeRuleActions(ctx.region, doc, *actions));
      doc["listener"].as_object()["DefaultActions"] = std::move(acts);
    }
    json::object view = DefaultRuleView(doc);
    FARGO_TRY(listeners_.Put(store::Collection::Key(ctx.region, GetString(*GetObject(doc, "listener"), "ListenerArn")),
                             std::move(doc)));
    return json::object{{"Rules", json::array{std::move(view)}}};
  }
  std::string key = store::Collection::Key(ctx.region, arn);
  const ListenerRule* found = rules_.Find(key);
  if (!found) return RuleNotFound();
  ListenerRule r = *found;
  const json::object* ldoc = listeners_.Find(store::Collection::Key(ctx.region, r.listener_arn));
  if (!ldoc) return ListenerNotFound();
  if (conditions) {
    FARGO_ASSIGN_OR_RETURN(r.conditions, NormalizeConditions(*conditions));
  }
  if (actions) {
    FARGO_ASSIGN_OR_RETURN(r.actions, NormalizeRuleActions(ctx.region, *ldoc, *actions));
  }
  json::object view = RuleView(r);
  FARGO_TRY(rules_.Put(key, std::move(r)));
  return json::object{{"Rules", json::array{std::move(view)}}};
}

Result<json::object> Elbv2Service::DeleteRule(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "RuleArn");
  if (ListenerOfDefaultRule(ctx.region, arn))
    return AwsError::Make("OperationNotPermitted", "Default rule '" + arn + "' cannot be deleted");
  std::string key = store::Collection::Key(ctx.region, arn);
  if (!rules_.Find(key)) return RuleNotFound();
  FARGO_TRY(rules_.Erase(key));
  return json::object{};
}

Result<json::object> Elbv2Service::SetRulePriorities(CallContext& ctx, json::object& in) {
  const json::array* pairs = GetArray(in, "RulePriorities");
  if (!pairs || pairs->empty()) return Invalid("At least one rule priority must be specified");
  std::map<std::string, ListenerRule> changed;  // by key
  for (const auto& p : *pairs) {
    const json::object& po = p.as_object();
    std::string arn = GetString(po, "RuleArn");
    int64_t priority = GetInt(po, "Priority");
    if (ListenerOfDefaultRule(ctx.region, arn))
      return AwsError::Make("OperationNotPermitted", "The priority of the default rule '" + arn + "' cannot be changed");
    std::string key = store::Collection::Key(ctx.region, arn);
    const ListenerRule* r = rules_.Find(key);
    if (!r) return RuleNotFound();
    if (priority < 1 || priority > 50000) return Invalid("Priority must be between 1 and 50000");
    if (changed.count(key)) return Invalid("Rule '" + arn + "' is specified more than once");
    ListenerRule copy = *r;
    copy.priority = priority;
    changed[key] = std::move(copy);
  }
  // Priorities after the change must be unique within each listener.
  std::map<std::string, std::set<int64_t>> used;  // listener ARN -> priorities
  std::set<std::string> listeners;
  for (const auto& [k, r] : changed) listeners.insert(r.listener_arn);
  for (const auto& listener : listeners)
    for (const auto& key : RuleKeysOf(ctx.region, listener)) {
      auto c = changed.find(key);
      const ListenerRule& r = c != changed.end() ? c->second : *rules_.Find(key);
      if (!used[listener].insert(r.priority).second) return PriorityInUse(r.priority);
    }
  json::array views;
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (auto& [key, r] : changed) {
      views.push_back(RuleView(r));
      FARGO_TRY(rules_.Put(key, r));
    }
    return OkStatus();
  }));
  return json::object{{"Rules", std::move(views)}};
}

Result<json::object> Elbv2Service::DescribeRules(CallContext& ctx, json::object& in) {
  json::array items;
  auto rule_arns = Strings(in, "RuleArns");
  std::string listener_arn = GetString(in, "ListenerArn");
  if (!rule_arns.empty()) {
    for (const auto& arn : rule_arns) {
      if (const json::object* ldoc = ListenerOfDefaultRule(ctx.region, arn)) {
        items.push_back(DefaultRuleView(*ldoc));
        continue;
      }
      const ListenerRule* r = rules_.Find(store::Collection::Key(ctx.region, arn));
      if (!r) return RuleNotFound();
      items.push_back(RuleView(*r));
    }
  } else if (!listener_arn.empty()) {
    auto* doc = listeners_.Find(store::Collection::Key(ctx.region, listener_arn));
    if (!doc) return ListenerNotFound();
    for (const auto& key : RuleKeysOf(ctx.region, listener_arn)) items.push_back(RuleView(*rules_.Find(key)));
    items.push_back(DefaultRuleView(*doc));
  } else {
    return Invalid("You must specify either listener or rule ARNs");
  }
  json::object out;
  out["Rules"] = Page(std::move(items), in, out);
  return out;
}

}  // namespace fargo::services
