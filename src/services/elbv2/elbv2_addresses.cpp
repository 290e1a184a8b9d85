// Load balancers' addresses (one network interface per subnet, as on AWS)
// and the plan the data plane serves.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "services/elbv2/elbv2_service.h"
#include "services/elbv2/elbv2_util.h"

namespace fargo::services {

using namespace elbv2;  // NOLINT: this file implements the elbv2 service

namespace {

// "net/<name>/<id>" of arn:...:loadbalancer/net/<name>/<id>.
std::string ShortId(const std::string& lb_arn) {
  size_t p = lb_arn.find(":loadbalancer/");
  return p == std::string::npos ? lb_arn : lb_arn.substr(p + 14);
}

int ToInt(const std::string& s, int fallback) {
  try {
    return std::stoi(s);
  } catch (...) {
    return fallback;
  }
}

std::optional<uint32_t> ParseIp(const std::string& s) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return std::nullopt;
  return (a << 24) | (b << 16) | (c << 8) | d;
}

}  // namespace

bool Elbv2Service::InAnyCidr(const std::string& ip, const std::vector<std::string>& cidrs) {
  auto addr = ParseIp(ip);
  if (!addr) return false;
  for (const auto& c : cidrs) {
    size_t slash = c.find('/');
    if (slash == std::string::npos) continue;
    auto base = ParseIp(c.substr(0, slash));
    int prefix = ToInt(c.substr(slash + 1), -1);
    if (!base || prefix < 0 || prefix > 32) continue;
    uint32_t mask = prefix == 0 ? 0 : ~((1u << (32 - prefix)) - 1);
    if ((*addr & mask) == (*base & mask)) return true;
  }
  return false;
}

Status Elbv2Service::AllocateInterfaces(const CallContext& ctx, const json::object& lb, json::array& zones,
                                        const json::array& old_enis, json::array& enis, json::array& addresses) {
  if (!create_interface_) return OkStatus();
  std::string type = GetString(lb, "Type");
  json::array made;
  auto undo = [&] {
    for (const auto& e : made) delete_interface_(ctx.region, GetString(e.as_object(), "NetworkInterfaceId"));
  };
  for (auto& z : zones) {
    auto& zone = z.as_object();
    std::string subnet = GetString(zone, "SubnetId");
    const json::object* kept = nullptr;
    for (const auto& e : old_enis)
      if (GetString(e.as_object(), "SubnetId") == subnet) kept = &e.as_object();
    json::object eni;
    if (kept) {
      eni = *kept;
    } else {
      InterfaceRequest req;
      req.region = ctx.region;
      req.account = ctx.account;
      req.subnet_id = subnet;
      // As AWS describes a load balancer's interfaces.
      req.description = "ELB " + ShortId(GetString(lb, "LoadBalancerArn"));
      req.interface_type = type == "network" ? "network_load_balancer" : type == "gateway" ? "gateway_load_balancer" : "interface";
      if (const json::array* a = GetArray(zone, "LoadBalancerAddresses"))
        for (const auto& addr : *a)
          if (auto ip = GetString(addr.as_object(), "PrivateIPv4Address"); !ip.empty()) req.private_ip = ip;
      req.security_groups = Strings(lb, "SecurityGroups");
      auto got = create_interface_(req);
      if (!got.ok()) {
        undo();
        return got.error();
      }
      eni = json::object{{"SubnetId", subnet}, {"NetworkInterfaceId", got->eni_id}, {"ip", got->ip}};
      made.push_back(eni);
    }
    std::string ip = GetString(eni, "ip");
    if (type == "network") {
      // Shown as the zone's address, keeping an Elastic IP given for it.
      json::object addr;
      if (const json::array* a = GetArray(zone, "LoadBalancerAddresses"); a && !a->empty()) addr = (*a)[0].as_object();
      addr["PrivateIPv4Address"] = ip;
      zone["LoadBalancerAddresses"] = json::array{std::move(addr)};
    }
    addresses.push_back(json::string(ip));
    enis.push_back(std::move(eni));
  }
  return OkStatus();
}

void Elbv2Service::ReleaseInterfaces(const std::string& region, const json::array& enis, const json::array& keep_zones) {
  if (!delete_interface_) return;
  std::set<std::string> keep;
  for (const auto& z : keep_zones) keep.insert(GetString(z.as_object(), "SubnetId"));
  for (const auto& e : enis)
    if (!keep.count(GetString(e.as_object(), "SubnetId")))
      delete_interface_(region, GetString(e.as_object(), "NetworkInterfaceId"));
}

namespace {

ConditionPlan ConditionOf(const json::object& c) {
  ConditionPlan p;
  p.field = GetString(c, "Field");
  auto values_of = [&c](const char* config) {
    const json::object* cfg = GetObject(c, config);
    return cfg ? Strings(*cfg, "Values") : Strings(c, "Values");
  };
  if (p.field == "host-header") p.values = values_of("HostHeaderConfig");
  if (p.field == "path-pattern") p.values = values_of("PathPatternConfig");
  if (p.field == "http-request-method") p.values = values_of("HttpRequestMethodConfig");
  if (p.field == "source-ip") p.values = values_of("SourceIpConfig");
  if (p.field == "http-header")
    if (const json::object* cfg = GetObject(c, "HttpHeaderConfig")) {
      p.header_name = GetString(*cfg, "HttpHeaderName");
      p.values = Strings(*cfg, "Values");
    }
  if (p.field == "query-string")
    if (const json::object* cfg = GetObject(c, "QueryStringConfig"))
      if (const json::array* pairs = GetArray(*cfg, "Values"))
        for (const auto& v : *pairs)
          p.query.emplace_back(GetString(v.as_object(), "Key"), GetString(v.as_object(), "Value"));
  return p;
}

// The action that answers: the one of highest Order (AWS runs
// authentication actions first and ends with the answering one).
ActionPlan ActionOf(const json::array& actions) {
  ActionPlan p;
  const json::object* last = nullptr;
  int64_t best = -1;
  for (size_t i = 0; i < actions.size(); ++i) {
    const json::object& a = actions[i].as_object();
    int64_t order = GetInt(a, "Order", static_cast<int64_t>(i) + 1);
    if (order > best) best = order, last = &a;
  }
  if (!last) return p;
  std::string type = GetString(*last, "Type");
  if (type == "forward") {
    p.type = type;
    if (const json::object* fc = GetObject(*last, "ForwardConfig")) {
      if (const json::array* tgs = GetArray(*fc, "TargetGroups"))
        for (const auto& g : *tgs)
          p.target_groups.push_back(WeightedGroupPlan{GetString(g.as_object(), "TargetGroupArn"),
                                                      static_cast<int>(GetInt(g.as_object(), "Weight", 1))});
      if (const json::object* s = GetObject(*fc, "TargetGroupStickinessConfig")) {
        p.stickiness = GetBool(*s, "Enabled");
        p.stickiness_s = static_cast<int>(GetInt(*s, "DurationSeconds", 3600));
      }
    }
    if (p.target_groups.empty() && !GetString(*last, "TargetGroupArn").empty())
      p.target_groups.push_back(WeightedGroupPlan{GetString(*last, "TargetGroupArn"), 1});
  } else if (type == "fixed-response") {
    p.type = type;
    if (const json::object* cfg = GetObject(*last, "FixedResponseConfig")) {
      p.status_code = GetString(*cfg, "StatusCode");
      p.content_type = GetString(*cfg, "ContentType");
      p.body = GetString(*cfg, "MessageBody");
    }
  } else if (type == "redirect") {
    p.type = type;
    if (const json::object* cfg = GetObject(*last, "RedirectConfig")) {
      p.status_code = GetString(*cfg, "StatusCode");
      p.protocol = GetString(*cfg, "Protocol", "#{protocol}");
      p.host = GetString(*cfg, "Host", "#{host}");
      p.port = GetString(*cfg, "Port", "#{port}");
      p.path = GetString(*cfg, "Path", "/#{path}");
      p.query = GetString(*cfg, "Query", "#{query}");
    }
  }
  return p;
}

}  // namespace

DataPlanePlan Elbv2Service::Plan() const {
  DataPlanePlan plan;
  std::set<std::string> groups;  // region/arn
  lbs_.ForEachPrefix("", [&](const std::string& key, const json::object& doc) {
    const json::object& lb = *GetObject(doc, "lb");
    LoadBalancerPlan p;
    p.region = key.substr(0, key.find('/'));
    p.arn = GetString(lb, "LoadBalancerArn");
    p.security_groups = Strings(lb, "SecurityGroups");
    if (!p.security_groups.empty() && sg_hooks_.filter) p.filter = sg_hooks_.filter(p.region, p.security_groups);
    p.name = GetString(lb, "LoadBalancerName");
    p.type = GetString(lb, "Type");
    p.vpc_id = GetString(lb, "VpcId");
    if (p.type != "network" && p.type != "application") return;
    bool alb = p.type == "application";
    if (alb)
      if (const json::object* attrs = GetObject(doc, "attributes"))
        p.idle_timeout_s = ToInt(GetString(*attrs, "idle_timeout.timeout_seconds", "60"), 60);
    for (const auto& a : Strings(doc, "addresses")) p.addresses.push_back(a);
    for (const auto& lk : ListenerKeysOf(p.region, p.arn)) {
      const json::object& ldoc = *listeners_.Find(lk);
      const json::object& l = *GetObject(ldoc, "listener");
      ListenerPlan lp;
      lp.arn = GetString(l, "ListenerArn");
      lp.protocol = GetString(l, "Protocol");
      lp.port = static_cast<uint16_t>(GetInt(l, "Port"));
      lp.ssl_policy = GetString(l, "SslPolicy");
      if (certificates_) {
        std::vector<std::string> arns;
        if (const json::array* certs = GetArray(l, "Certificates"))
          for (const auto& c : *certs) arns.push_back(GetString(c.as_object(), "CertificateArn"));
        for (const auto& sni : Strings(ldoc, "sniCertificates")) arns.push_back(sni);
        for (const auto& arn : arns)
          if (auto c = certificates_(arn)) lp.certificates.push_back(std::move(*c));
      }
      if (!alb)
        if (const json::object* attrs = GetObject(ldoc, "attributes"))
          p.idle_timeout_s = ToInt(GetString(*attrs, "tcp.idle_timeout.seconds", "350"), 350);
      static const json::array kNone;
      const json::array* defaults = GetArray(l, "DefaultActions");
      if (alb) {
        for (const auto& rk : RuleKeysOf(p.region, lp.arn)) {
          const ListenerRule& r = *rules_.Find(rk);
          RulePlan rp{r.arn, static_cast<int>(r.priority), {}, ActionOf(r.actions)};
          for (const auto& c : r.conditions) rp.conditions.push_back(ConditionOf(c.as_object()));
          lp.rules.push_back(std::move(rp));
        }
        lp.rules.push_back(RulePlan{GetString(ldoc, "ruleArn"), 0, {}, ActionOf(defaults ? *defaults : kNone)});
      } else if (defaults) {
        ActionPlan a = ActionOf(*defaults);
        if (!a.target_groups.empty()) lp.target_group_arn = a.target_groups[0].arn;
      }
      for (const auto& g : ForwardedTargetGroups(lp)) groups.insert(p.region + "/" + g);
      p.listeners.push_back(std::move(lp));
    }
    plan.load_balancers.push_back(std::move(p));
  });
  for (const auto& g : groups) {
    const json::object* doc = tgs_.Find(g);
    if (!doc) continue;
    const json::object& tg = *GetObject(*doc, "tg");
    TargetGroupPlan p;
    p.region = g.substr(0, g.find('/'));
    p.arn = GetString(tg, "TargetGroupArn");
    p.protocol = GetString(tg, "Protocol");
    p.target_type = GetString(tg, "TargetType");
    HealthCheckPlan& hc = p.health_check;
    hc.enabled = GetBool(tg, "HealthCheckEnabled", true);
    hc.protocol = GetString(tg, "HealthCheckProtocol", "TCP");
    hc.port = GetString(tg, "HealthCheckPort", "traffic-port");
    hc.path = GetString(tg, "HealthCheckPath", "/");
    if (const json::object* m = GetObject(tg, "Matcher")) hc.matcher = GetString(*m, "HttpCode", "200-399");
    auto scaled = [this](int64_t s) { return std::max(1, static_cast<int>(std::lround(s * wait_scale_))); };
    hc.interval_s = scaled(GetInt(tg, "HealthCheckIntervalSeconds", 30));
    // A target's answer is given its configured time, within the interval.
    hc.timeout_s = std::min(static_cast<int>(GetInt(tg, "HealthCheckTimeoutSeconds", 10)), hc.interval_s);
    hc.healthy_threshold = static_cast<int>(GetInt(tg, "HealthyThresholdCount", 5));
    hc.unhealthy_threshold = static_cast<int>(GetInt(tg, "UnhealthyThresholdCount", 2));
    for (const auto& t : LiveTargets(*doc)) {
      const json::object& o = t.as_object();
      if (p.target_type != "ip") continue;  // instances and Lambda functions have no address here
      p.targets.push_back(TargetPlan{GetString(o, "Id"), static_cast<uint16_t>(GetInt(o, "Port")), Has(o, "deregisteredMs")});
    }
    plan.target_groups.push_back(std::move(p));
  }
  return plan;
}

Status Elbv2Service::RegisterTarget(const std::string& region, const std::string& tg_arn, const std::string& ip,
                                    int64_t port) {
  std::string key = store::Collection::Key(region, tg_arn);
  const json::object* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  json::array targets = LiveTargets(doc);
  bool known = false;
  for (auto& t : targets) {
    auto& o = t.as_object();
    if (GetString(o, "Id") != ip || GetInt(o, "Port") != port) continue;
    known = true;
    if (!Has(o, "deregisteredMs")) return OkStatus();
    o.erase("deregisteredMs");
    o.erase("health");
    o["registeredMs"] = env_.clock.NowMillis();
  }
  if (!known) targets.push_back(json::object{{"Id", ip}, {"Port", port}, {"registeredMs", env_.clock.NowMillis()}});
  doc["targets"] = std::move(targets);
  FARGO_TRY(tgs_.Put(key, std::move(doc)));
  if (plan_changed_) plan_changed_();
  return OkStatus();
}

Status Elbv2Service::DeregisterTarget(const std::string& region, const std::string& tg_arn, const std::string& ip,
                                      int64_t port) {
  std::string key = store::Collection::Key(region, tg_arn);
  const json::object* found = tgs_.Find(key);
  if (!found) return TargetGroupNotFound();
  json::object doc = *found;
  bool in_use = !LoadBalancersUsing(region, tg_arn).empty();
  json::array targets = LiveTargets(doc), kept;
  bool changed = false;
  for (auto& t : targets) {
    auto& o = t.as_object();
    if (GetString(o, "Id") == ip && GetInt(o, "Port") == port && !Has(o, "deregisteredMs")) {
      changed = true;
      if (!in_use) continue;
      o["deregisteredMs"] = env_.clock.NowMillis();
    }
    kept.push_back(t);
  }
  if (!changed) return OkStatus();
  doc["targets"] = std::move(kept);
  FARGO_TRY(tgs_.Put(key, std::move(doc)));
  if (plan_changed_) plan_changed_();
  return OkStatus();
}

std::string Elbv2Service::TargetState(const std::string& region, const std::string& tg_arn, const std::string& ip,
                                      int64_t port) const {
  const json::object* doc = tgs_.Find(store::Collection::Key(region, tg_arn));
  if (!doc) return "";
  for (const auto& t : LiveTargets(*doc)) {
    const auto& o = t.as_object();
    if (GetString(o, "Id") != ip || GetInt(o, "Port") != port) continue;
    if (Has(o, "deregisteredMs")) return "draining";
    if (LoadBalancersUsing(region, tg_arn).empty()) return "unused";
    if (const json::object* h = GetObject(o, "health")) return GetString(*h, "State", "initial");
    return "initial";
  }
  return "";
}

}  // namespace fargo::services
