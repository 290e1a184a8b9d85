// Target groups, their attributes and target registration/health.
#include <set>

#include "services/elbv2/elbv2_attributes.h"
#include "services/elbv2/elbv2_names.h"
#include "services/elbv2/elbv2_service.h"
#include "services/elbv2/elbv2_util.h"

namespace fargo::services {

using namespace elbv2;  // NOLINT: this file implements the elbv2 service

namespace {

bool IsHttpProtocol(const std::string& p) { return p == "HTTP" || p == "HTTPS"; }

AwsError Invalid(const std::string& message) { return AwsError::Make("ValidationError", message); }

// Applies the health check members of `in` to `tg` (CreateTargetGroup and
// ModifyTargetGroup share the member names), filling AWS's per-protocol
// defaults when `create`, and validates the resulting configuration.
Status ConfigureHealthCheck(json::object& tg, const json::object& in, bool create) {
  std::string protocol = GetString(tg, "Protocol");
  std::string target_type = GetString(tg, "TargetType");
  bool lambda = target_type == "lambda";
  std::string old_hc = GetString(tg, "HealthCheckProtocol");
  if (create && !lambda) tg["HealthCheckProtocol"] = IsHttpProtocol(protocol) ? protocol : "TCP";
  if (auto p = GetString(in, "HealthCheckProtocol"); !p.empty()) {
    if (lambda) return Invalid("Health check protocol cannot be specified for target groups with target type 'lambda'");
    tg["HealthCheckProtocol"] = p;
  }
  std::string hc = GetString(tg, "HealthCheckProtocol");
  if (!lambda) {
    if (IsHttpProtocol(protocol) && !IsHttpProtocol(hc))
      return Invalid("Health check protocol '" + hc + "' is not supported for target groups with the '" + protocol +
                     "' protocol");
    if (!IsHttpProtocol(protocol) && hc != "TCP" && !IsHttpProtocol(hc))
      return Invalid("Health check protocol '" + hc + "' is not supported for target groups with the '" + protocol +
                     "' protocol");
  }
  bool http_hc = lambda || IsHttpProtocol(hc);
  if (Has(in, "HealthCheckPath")) {
    if (!http_hc)
      return Invalid("Health check path cannot be specified for target groups with the '" + hc +
                     "' health check protocol");
    std::string path = GetString(in, "HealthCheckPath");
    if (path.empty() || path[0] != '/') return Invalid("Health check path must begin with a '/' character");
    tg["HealthCheckPath"] = path;
  }
  if (Has(in, "Matcher")) {
    if (!http_hc)
      return Invalid("Health check matcher cannot be specified for target groups with the '" + hc +
                     "' health check protocol");
    tg["Matcher"] = *GetObject(in, "Matcher");
  }
  if (create || hc != old_hc) {
    if (http_hc) {
      if (!Has(tg, "HealthCheckPath")) tg["HealthCheckPath"] = "/";
      if (!Has(tg, "Matcher")) {
        if (GetString(tg, "ProtocolVersion") == "GRPC")
          tg["Matcher"] = json::object{{"GrpcCode", "12"}};
        else
          tg["Matcher"] = json::object{{"HttpCode", IsHttpProtocol(protocol) || lambda ? "200" : "200-399"}};
      }
    } else {
      tg.erase("HealthCheckPath");
      tg.erase("Matcher");
    }
  }
  if (create && !lambda) tg["HealthCheckPort"] = protocol == "GENEVE" ? "80" : "traffic-port";
  if (auto port = GetString(in, "HealthCheckPort"); !port.empty()) {
    if (lambda) return Invalid("Health check port cannot be specified for target groups with target type 'lambda'");
    if (port != "traffic-port") {
      bool digits = port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
        return Invalid("Health check port '" + port + "' must be 'traffic-port' or a port number from 1 to 65535");
    }
    tg["HealthCheckPort"] = port;
  }
  if (create) {
    tg["HealthCheckEnabled"] = !lambda;
    int64_t interval = lambda ? 35 : protocol == "GENEVE" ? 10 : 30;
    int64_t timeout = lambda ? 30 : IsHttpProtocol(protocol) || protocol == "GENEVE" ? 5 : hc == "TCP" ? 10 : 6;
    tg["HealthCheckIntervalSeconds"] = interval;
    tg["HealthCheckTimeoutSeconds"] = timeout;
    tg["HealthyThresholdCount"] = 5;
    tg["UnhealthyThresholdCount"] = 2;
  }
  if (Has(in, "HealthCheckEnabled")) {
    bool enabled = GetBool(in, "HealthCheckEnabled");
    if (!enabled && !lambda)
      return Invalid("Health checks cannot be disabled for target groups with target type '" + target_type + "'");
    tg["HealthCheckEnabled"] = enabled;
  }
  for (const char* k : {"HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                        "UnhealthyThresholdCount"})
    if (Has(in, k)) tg[k] = GetInt(in, k);
  if (GetInt(tg, "HealthCheckTimeoutSeconds") >= GetInt(tg, "HealthCheckIntervalSeconds"))
    return Invalid("Health check interval must be greater than the timeout.");
  return OkStatus();
}

// The port a target's health is checked on.
std::string HealthCheckPortOf(const json::object& tg, const json::object& target) {
  std::string p = GetString(tg, "HealthCheckPort");
  if (p == "traffic-port") return Has(target, "Port") ? std::to_string(GetInt(target, "Port")) : "";
  return p;
}

bool SameTarget(const json::object& a, const json::object& b) {
  return GetString(a, "Id") == GetString(b, "Id") && GetInt(a, "Port") == GetInt(b, "Port");
}

}  // namespace

std::vector<std::string> Elbv2Service::LoadBalancersUsing(const std::string& region, const std::string& tg_arn) const {
  std::vector<std::string> out;
  auto note = [&](const std::string& lb) {
    if (std::find(out.begin(), out.end(), lb) == out.end()) out.push_back(lb);
  };
  listeners_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& doc) {
    const auto& l = *GetObject(doc, "listener");
    std::string lb = GetString(l, "LoadBalancerArn");
    std::vector<std::string> groups;
    if (auto* actions = GetArray(l, "DefaultActions")) groups = ForwardedGroups(*actions);
    for (const auto& rk : RuleKeysOf(region, GetString(l, "ListenerArn")))
      for (auto& g : ForwardedGroups(rules_.Find(rk)->actions)) groups.push_back(std::move(g));
    if (std::find(groups.begin(), groups.end(), tg_arn) != groups.end()) note(lb);
  });
  return out;
}

json::object Elbv2Service::TargetGroupView(const std::string& region, const json::object& doc) const {
  json::object tg = *GetObject(doc, "tg");
  json::array lbs;
  for (auto& arn : LoadBalancersUsing(region, GetString(tg, "TargetGroupArn"))) lbs.push_back(json::string(arn));
  tg["LoadBalancerArns"] = std::move(lbs);
  return tg;
}

json::array Elbv2Service::LiveTargets(const json::object& tg_doc) const {
  json::array out;
  int64_t delay_ms = 300000;
  if (auto* attrs = GetObject(tg_doc, "attributes")) {
    std::string d = GetString(*attrs, "deregistration_delay.timeout_seconds", "300");
    try {
      delay_ms = std::stoll(d) * 1000;
    } catch (...) {
    }
  }
  delay_ms = static_cast<int64_t>(static_cast<double>(delay_ms) * wait_scale_);
  int64_t now = env_.clock.NowMillis();
  if (auto* targets = GetArray(tg_doc, "targets"))
    for (const auto& t : *targets) {
      const auto& o = t.as_object();
      if (Has(o, "deregisteredMs") && now - GetInt(o, "deregisteredMs") >= delay_ms) continue;
      out.push_back(t);
    }
  return out;
}

Result<json::object> Elbv2Service::CreateTargetGroup(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  FARGO_TRY(ValidateTargetGroupName(name));
  std::string target_type = GetString(in, "TargetType", "instance");
  std::string protocol = GetString(in, "Protocol");
  bool lambda = target_type == "lambda";
  if (lambda) {
    if (Has(in, "Protocol") || Has(in, "Port") || Has(in, "VpcId"))
      return Invalid("Protocol, port and VPC ID cannot be specified for target groups with target type 'lambda'");
  } else {
    if (protocol.empty()) return Invalid("A protocol must be specified");
    if (!Has(in, "Port")) return Invalid("A port must be specified");
    if (GetString(in, "VpcId").empty()) return Invalid("A VPC ID must be specified");
  }
  if (target_type == "alb" && protocol != "TCP")
    return Invalid("Target groups with target type 'alb' support only the 'TCP' protocol");
  if (protocol == "GENEVE" && GetInt(in, "Port") != 6081)
    return Invalid("Target groups with the 'GENEVE' protocol must use port 6081");
  if (Has(in, "ProtocolVersion") && !IsHttpProtocol(protocol))
    return Invalid("Protocol version can be specified only for target groups with the 'HTTP' or 'HTTPS' protocol");
  FARGO_ASSIGN_OR_RETURN(json::object tags, TagsFromList(GetArray(in, "Tags")));

  json::object tg{{"TargetGroupArn", ""}, {"TargetGroupName", name}};
  if (!lambda) {
    tg["Protocol"] = protocol;
    tg["Port"] = GetInt(in, "Port");
    tg["VpcId"] = GetString(in, "VpcId");
  }
  tg["TargetType"] = target_type;
  if (IsHttpProtocol(protocol)) tg["ProtocolVersion"] = GetString(in, "ProtocolVersion", "HTTP1");
  FARGO_TRY(ConfigureHealthCheck(tg, in, /*create=*/true));
  if (!lambda) tg["IpAddressType"] = GetString(in, "IpAddressType", "ipv4");

  // Same name: the same settings are an idempotent success, others a conflict.
  const json::object* existing = nullptr;
  tgs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
    if (GetString(*GetObject(doc, "tg"), "TargetGroupName") == name) existing = &doc;
  });
  if (existing) {
    json::object old = *GetObject(*existing, "tg");
    old["TargetGroupArn"] = "";
    if (old == tg) return json::object{{"TargetGroups", json::array{TargetGroupView(ctx.region, *existing)}}};
    return AwsError::Make("DuplicateTargetGroupName",
                          "A target group with the same name '" + name + "' exists, but with different settings");
  }

  std::string arn = TargetGroupArn(ctx.region, ctx.account, name, env_.ids.Hex(16));
  tg["TargetGroupArn"] = arn;
  json::object doc{{"tg", std::move(tg)},
                   {"attributes", ToObject(DefaultTargetGroupAttributes(protocol, target_type))},
                   {"tags", std::move(tags)},
                   {"targets", json::array{}}};
  json::object view = TargetGroupView(ctx.region, doc);
  FARGO_TRY(tgs_.Put(store::Collection::Key(ctx.region, arn), std::move(doc)));
  return json::object{{"TargetGroups", json::array{std::move(view)}}};
}

Result<json::object> Elbv2Service::DescribeTargetGroups(CallContext& ctx, json::object& in) {
  auto arns = Strings(in, "TargetGroupArns");
  auto names = Strings(in, "Names");
  std::string lb_arn = GetString(in, "LoadBalancerArn");
  json::array items;
  if (!arns.empty()) {
    for (const auto& arn : arns) {
      auto* doc = tgs_.Find(store::Collection::Key(ctx.region, arn));
      if (!doc) return TargetGroupNotFound();
      items.push_back(TargetGroupView(ctx.region, *doc));
    }
  } else if (!names.empty()) {
    for (const auto& name : names) {
      const json::object* found = nullptr;
      tgs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
        if (GetString(*GetObject(doc, "tg"), "TargetGroupName") == name) found = &doc;
      });
      if (!found) return AwsError::Make("TargetGroupNotFound", "Target groups '[" + name + "]' not found");
      items.push_back(TargetGroupView(ctx.region, *found));
    }
  } else {
    if (!lb_arn.empty() && !lbs_.Find(store::Collection::Key(ctx.region, lb_arn))) return LoadBalancerNotFound();
    tgs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
      json::object view = TargetGroupView(ctx.region, doc);
      if (!lb_arn.empty()) {
        bool match = false;
        for (const auto& a : view["LoadBalancerArns"].as_array()) match |= a.as_string() == lb_arn;
        if (!match) return;
      }
      items.push_back(std::move(view));
    });
  }
  json::object out;
  out["TargetGroups"] = Page(std::move(items), in, out);
  return out;
}

Result<json::object> Elbv2Service::ModifyTargetGroup(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "TargetGroupArn"));
  auto* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  FARGO_TRY(ConfigureHealthCheck(doc["tg"].as_object(), in, /*create=*/false));
  json::object view = TargetGroupView(ctx.region, doc);
  FARGO_TRY(tgs_.Put(key, std::move(doc)));
  return json::object{{"TargetGroups", json::array{std::move(view)}}};
}

Result<json::object> Elbv2Service::DeleteTargetGroup(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "TargetGroupArn");
  std::string key = store::Collection::Key(ctx.region, arn);
  if (!tgs_.Find(key)) return json::object{};  // idempotent, as on AWS
  if (!LoadBalancersUsing(ctx.region, arn).empty())
    return AwsError::Make("ResourceInUse", "Target group '" + arn + "' is currently in use by a listener or a rule");
  FARGO_TRY(tgs_.Erase(key));
  return json::object{};
}

Result<json::object> Elbv2Service::DescribeTargetGroupAttributes(CallContext& ctx, json::object& in) {
  return DescribeAttributes({tgs_, "TargetGroupArn", "Target group", &TargetGroupNotFound}, ctx, in);
}

Result<json::object> Elbv2Service::ModifyTargetGroupAttributes(CallContext& ctx, json::object& in) {
  return ModifyAttributes({tgs_, "TargetGroupArn", "Target group", &TargetGroupNotFound}, ctx, in);
}

Result<json::object> Elbv2Service::RegisterTargets(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "TargetGroupArn"));
  auto* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  const auto& tg = *GetObject(doc, "tg");
  std::string type = GetString(tg, "TargetType");
  json::array targets = LiveTargets(doc);
  for (const auto& t : *GetArray(in, "Targets")) {
    json::object target = t.as_object();
    std::string id = GetString(target, "Id");
    if (type == "instance" && id.rfind("i-", 0) != 0)
      return AwsError::Make("InvalidTarget", "The following targets are not valid instances: '" + id + "'");
    if (type == "ip" && !IsIpv4(id))
      return AwsError::Make("InvalidTarget", "The IP address '" + id + "' is not a valid IPv4 address");
    if (type == "ip" && vpc_cidrs_ && GetString(target, "AvailabilityZone") != "all") {
      // An address outside the VPC is a target only with AvailabilityZone "all", as on AWS.
      auto cidrs = vpc_cidrs_(ctx.region, GetString(tg, "VpcId"));
      if (!cidrs.empty() && !InAnyCidr(id, cidrs))
        return AwsError::Make("ValidationError", "The Availability Zone is required for IP address '" + id +
                                                     "' because it is not in the VPC");
    }
    if (Has(target, "Port") && (GetInt(target, "Port") < 1 || GetInt(target, "Port") > 65535))
      return AwsError::Make("ValidationError", "Port must be between 1 and 65535");
    if (type == "lambda" && id.rfind("arn:aws:lambda:", 0) != 0)
      return AwsError::Make("InvalidTarget", "The target '" + id + "' is not a valid Lambda function ARN");
    if (type == "alb" && KindOfArn(id) != ArnKind::kLoadBalancer)
      return AwsError::Make("InvalidTarget", "The target '" + id + "' is not a valid Application Load Balancer ARN");
    if (type == "lambda")
      target.erase("Port");
    else if (!Has(target, "Port"))
      target["Port"] = GetInt(tg, "Port");
    bool known = false;
    for (auto& existing : targets) {
      auto& e = existing.as_object();
      if (!SameTarget(e, target)) continue;
      known = true;
      if (Has(e, "deregisteredMs")) {  // registering again cancels draining
        e.erase("deregisteredMs");
        e.erase("health");
        e["registeredMs"] = env_.clock.NowMillis();
      }
    }
    if (!known) {
      target["registeredMs"] = env_.clock.NowMillis();
      targets.push_back(std::move(target));
    }
  }
  if (type == "lambda" && targets.size() > 1)
    return AwsError::Make("TooManyTargets", "A target group with target type 'lambda' can have only one target");
  doc["targets"] = std::move(targets);
  FARGO_TRY(tgs_.Put(key, std::move(doc)));
  return json::object{};
}

Result<json::object> Elbv2Service::DeregisterTargets(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "TargetGroupArn");
  std::string key = store::Collection::Key(ctx.region, arn);
  auto* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  const auto& tg = *GetObject(doc, "tg");
  bool in_use = !LoadBalancersUsing(ctx.region, arn).empty();
  json::array targets = LiveTargets(doc);
  for (const auto& t : *GetArray(in, "Targets")) {
    json::object target = t.as_object();
    if (!Has(target, "Port") && GetString(tg, "TargetType") != "lambda") target["Port"] = GetInt(tg, "Port");
    bool known = false;
    for (size_t i = 0; i < targets.size(); ++i) {
      auto& e = targets[i].as_object();
      if (!SameTarget(e, target) || Has(e, "deregisteredMs")) continue;
      known = true;
      if (in_use) {
        e["deregisteredMs"] = env_.clock.NowMillis();  // draining until the delay ends
      } else {
        targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(i));
      }
      break;
    }
    if (!known)
      return AwsError::Make("InvalidTarget",
                            "The following targets are not registered in target group '" + arn + "': '" +
                                GetString(target, "Id") + "'");
  }
  doc["targets"] = std::move(targets);
  FARGO_TRY(tgs_.Put(key, std::move(doc)));
  return json::object{};
}

Result<json::object> Elbv2Service::DescribeTargetHealth(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "TargetGroupArn");
  auto* doc = tgs_.Find(store::Collection::Key(ctx.region, arn));
  if (!doc) return TargetGroupNotFound();
  const auto& tg = *GetObject(*doc, "tg");
  bool in_use = !LoadBalancersUsing(ctx.region, arn).empty();
  json::array live = LiveTargets(*doc);

  auto describe = [&](const json::object& t) {
    json::object target{{"Id", GetString(t, "Id")}};
    if (Has(t, "Port")) target["Port"] = GetInt(t, "Port");
    if (Has(t, "AvailabilityZone")) target["AvailabilityZone"] = GetString(t, "AvailabilityZone");
    json::object health;
    if (Has(t, "deregisteredMs")) {
      health = {{"State", "draining"}, {"Reason", "Target.DeregistrationInProgress"},
                {"Description", "Target deregistration is in progress"}};
    } else if (!in_use) {
      health = {{"State", "unused"}, {"Reason", "Target.NotInUse"},
                {"Description", "Target group is not configured to receive traffic from the load balancer"}};
    } else if (auto* h = GetObject(t, "health")) {
      health = *h;
    } else {
      health = {{"State", "initial"}, {"Reason", "Elb.RegistrationInProgress"},
                {"Description", "Target registration is in progress"}};
    }
    json::object d{{"Target", std::move(target)}};
    if (auto port = HealthCheckPortOf(tg, t); !port.empty()) d["HealthCheckPort"] = port;
    d["TargetHealth"] = std::move(health);
    return d;
  };

  json::array out;
  if (auto* wanted = GetArray(in, "Targets"); wanted && !wanted->empty()) {
    for (const auto& w : *wanted) {
      json::object want = w.as_object();
      if (!Has(want, "Port") && Has(tg, "Port")) want["Port"] = GetInt(tg, "Port");
      const json::object* match = nullptr;
      for (const auto& t : live)
        if (SameTarget(t.as_object(), want)) match = &t.as_object();
      if (match) {
        out.push_back(describe(*match));
      } else {
        json::object d{{"Target", want}};
        if (auto port = HealthCheckPortOf(tg, want); !port.empty()) d["HealthCheckPort"] = port;
        d["TargetHealth"] = json::object{{"State", "unused"}, {"Reason", "Target.NotRegistered"},
                                         {"Description", "Target is not registered to the target group"}};
        out.push_back(std::move(d));
      }
    }
  } else {
    for (const auto& t : live) out.push_back(describe(t.as_object()));
  }
  return json::object{{"TargetHealthDescriptions", std::move(out)}};
}

Status Elbv2Service::SetTargetHealth(const std::string& region, const std::string& target_group_arn,
                                     const std::string& target_id, int64_t port, const std::string& state,
                                     const std::string& reason, const std::string& description) {
  std::string key = store::Collection::Key(region, target_group_arn);
  auto* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  json::array targets = LiveTargets(doc);
  bool known = false;
  for (auto& t : targets) {
    auto& o = t.as_object();
    if (GetString(o, "Id") != target_id || (port != 0 && GetInt(o, "Port") != port)) continue;
    json::object health{{"State", state}};
    if (!reason.empty()) health["Reason"] = reason;
    if (!description.empty()) health["Description"] = description;
    o["health"] = std::move(health);
    known = true;
  }
  if (!known) return AwsError::Make("InvalidTarget", "Target '" + target_id + "' is not registered");
  doc["targets"] = std::move(targets);
  return tgs_.Put(key, std::move(doc));
}

}  // namespace fargo::services
