// Listeners, their attributes and their default rules.
#include <algorithm>
#include <cctype>
#include <set>

#include "services/elbv2/elbv2_attributes.h"
#include "services/elbv2/elbv2_names.h"
#include "services/elbv2/elbv2_service.h"
#include "services/elbv2/elbv2_ssl_policies.h"
#include "services/elbv2/elbv2_util.h"

namespace fargo::services {

using namespace elbv2;  // NOLINT: this file implements the elbv2 service

namespace {

AwsError Invalid(const std::string& message) { return AwsError::Make("ValidationError", message); }

bool ProtocolAllowed(const std::string& lb_type, const std::string& p) {
  if (lb_type == "application") return p == "HTTP" || p == "HTTPS";
  if (lb_type == "network") return p == "TCP" || p == "TLS" || p == "UDP" || p == "TCP_UDP" || p == "QUIC" || p == "TCP_QUIC";
  return p.empty() || p == "GENEVE";
}

bool Secure(const std::string& p) { return p == "HTTPS" || p == "TLS"; }

// Target group protocols a listener protocol may forward to.
bool Compatible(const std::string& lb_type, const std::string& listener_proto, const json::object& tg) {
  std::string tp = GetString(tg, "Protocol");
  std::string type = GetString(tg, "TargetType");
  if (lb_type == "application") return type == "lambda" || tp == "HTTP" || tp == "HTTPS";
  if (lb_type == "gateway") return tp == "GENEVE";
  if (listener_proto == "TCP") return tp == "TCP" || tp == "TCP_UDP";
  if (listener_proto == "TLS") return tp == "TCP" || tp == "TLS";
  if (listener_proto == "UDP") return tp == "UDP" || tp == "TCP_UDP";
  if (listener_proto == "TCP_UDP") return tp == "TCP_UDP";
  return tp == listener_proto;
}

json::object ListenerView(const json::object& doc) { return *GetObject(doc, "listener"); }

// Validates a fixed-response or redirect action and fills what AWS fills
// (a redirect's components default to the request's: #{protocol}, #{host},
// #{port}, /#{path}, #{query}).
Result<json::object> NormalizeAnswerAction(json::object action) {
  std::string type = GetString(action, "Type");
  if (type == "fixed-response") {
    const json::object* cfg = GetObject(action, "FixedResponseConfig");
    if (!cfg) return Invalid("A fixed response config must be specified for a fixed-response action");
    std::string code = GetString(*cfg, "StatusCode");
    if (code.size() != 3 || (code[0] != '2' && code[0] != '4' && code[0] != '5') || !std::isdigit(static_cast<unsigned char>(code[1])) ||
        !std::isdigit(static_cast<unsigned char>(code[2])))
      return Invalid("The fixed response status code '" + code + "' is not valid");
    static const std::set<std::string> kTypes = {"text/plain", "text/css", "text/html", "application/javascript",
                                                 "application/json"};
    std::string ct = GetString(*cfg, "ContentType");
    if (!ct.empty() && !kTypes.count(ct)) return Invalid("The content type '" + ct + "' is not valid");
    if (GetString(*cfg, "MessageBody").size() > 1024) return Invalid("The fixed response message body exceeds 1024 characters");
    json::object n{{"StatusCode", code}};
    if (Has(*cfg, "MessageBody")) n["MessageBody"] = GetString(*cfg, "MessageBody");
    if (!ct.empty()) n["ContentType"] = ct;
    action["FixedResponseConfig"] = std::move(n);
  } else if (type == "redirect") {
    const json::object* cfg = GetObject(action, "RedirectConfig");
    if (!cfg) return Invalid("A redirect config must be specified for a redirect action");
    std::string code = GetString(*cfg, "StatusCode");
    if (code != "HTTP_301" && code != "HTTP_302") return Invalid("The redirect status code '" + code + "' is not valid");
    json::object n{{"Protocol", GetString(*cfg, "Protocol", "#{protocol}")},
                   {"Port", GetString(*cfg, "Port", "#{port}")},
                   {"Host", GetString(*cfg, "Host", "#{host}")},
                   {"Path", GetString(*cfg, "Path", "/#{path}")},
                   {"Query", GetString(*cfg, "Query", "#{query}")},
                   {"StatusCode", code}};
    std::string proto = GetString(n, "Protocol");
    if (proto != "#{protocol}" && proto != "HTTP" && proto != "HTTPS")
      return Invalid("The redirect protocol '" + proto + "' is not valid");
    if (GetString(n, "Path").empty() || GetString(n, "Path")[0] != '/') return Invalid("The redirect path must start with '/'");
    if (proto == "#{protocol}" && GetString(n, "Port") == "#{port}" && GetString(n, "Host") == "#{host}" &&
        GetString(n, "Path") == "/#{path}" && GetString(n, "Query") == "#{query}")
      return Invalid("The redirect must change at least one of the protocol, port, host, path or query: it would loop");
    action["RedirectConfig"] = std::move(n);
  }
  return action;
}

}  // namespace

Result<json::array> Elbv2Service::NormalizeActions(const std::string& region, const json::object& lb_doc,
                                                   const json::array& actions) const {
  if (actions.empty()) return Invalid("At least one default action must be specified");
  const auto& lb = *GetObject(lb_doc, "lb");
  std::string lb_arn = GetString(lb, "LoadBalancerArn");
  std::string lb_type = GetString(lb, "Type");
  json::array out;
  for (const auto& a : actions) {
    json::object action = a.as_object();
    std::string type = GetString(action, "Type");
    if (type != "forward") {
      if (lb_type != "application")
        return AwsError::Make("InvalidLoadBalancerAction",
                              "Action type '" + type + "' is not supported for load balancers of type '" + lb_type + "'");
      FARGO_ASSIGN_OR_RETURN(json::object checked, NormalizeAnswerAction(std::move(action)));
      out.push_back(std::move(checked));
      continue;
    }
    // Forward: the target groups come from TargetGroupArn or ForwardConfig.
    json::array groups;
    if (auto arn = GetString(action, "TargetGroupArn"); !arn.empty())
      groups.push_back(json::object{{"TargetGroupArn", arn}, {"Weight", 1}});
    json::object stickiness{{"Enabled", false}};
    if (auto* fc = GetObject(action, "ForwardConfig")) {
      if (auto* list = GetArray(*fc, "TargetGroups"); list && !list->empty()) {
        if (!groups.empty() && list->size() > 1)
          return Invalid("You cannot specify both a target group ARN and a list of weighted target groups");
        json::array given;
        for (const auto& g : *list)
          given.push_back(json::object{{"TargetGroupArn", GetString(g.as_object(), "TargetGroupArn")},
                                       {"Weight", GetInt(g.as_object(), "Weight", 1)}});
        if (!groups.empty() && GetString(given[0].as_object(), "TargetGroupArn") !=
                                   GetString(groups[0].as_object(), "TargetGroupArn"))
          return Invalid("The target group ARN of the forward action and its forward config must be the same");
        groups = std::move(given);
      }
      if (auto* s = GetObject(*fc, "TargetGroupStickinessConfig")) {
        stickiness["Enabled"] = GetBool(*s, "Enabled");
        if (GetBool(*s, "Enabled")) stickiness["DurationSeconds"] = GetInt(*s, "DurationSeconds", 3600);
      }
    }
    if (groups.empty()) return Invalid("A target group ARN must be specified");
    if (lb_type != "application" && groups.size() > 1)
      return AwsError::Make("InvalidLoadBalancerAction",
                            "Load balancers of type '" + lb_type + "' support forwarding to only one target group");
    for (const auto& g : groups) {
      std::string tg_arn = GetString(g.as_object(), "TargetGroupArn");
      auto* tg_doc = tgs_.Find(store::Collection::Key(region, tg_arn));
      if (!tg_doc) return TargetGroupNotFound();
      for (const auto& other : LoadBalancersUsing(region, tg_arn))
        if (other != lb_arn)
          return AwsError::Make("TargetGroupAssociationLimit",
                                "The following target groups cannot be associated with more than one load balancer: '" +
                                    tg_arn + "'");
    }
    json::object normalized{{"Type", "forward"}};
    if (groups.size() == 1) normalized["TargetGroupArn"] = GetString(groups[0].as_object(), "TargetGroupArn");
    if (Has(action, "Order")) normalized["Order"] = GetInt(action, "Order");
    normalized["ForwardConfig"] =
        json::object{{"TargetGroups", std::move(groups)}, {"TargetGroupStickinessConfig", std::move(stickiness)}};
    out.push_back(std::move(normalized));
  }
  return out;
}

Status elbv2::CheckCompatible(const store::Collection& tgs, const std::string& region, const std::string& lb_type,
                       const std::string& protocol, const json::array& actions) {
  for (const auto& a : actions) {
    auto* fc = GetObject(a.as_object(), "ForwardConfig");
    if (!fc) continue;
    for (const auto& g : *GetArray(*fc, "TargetGroups")) {
      auto* doc = tgs.Find(store::Collection::Key(region, GetString(g.as_object(), "TargetGroupArn")));
      if (doc && !Compatible(lb_type, protocol, *GetObject(*doc, "tg")))
        return AwsError::Make("IncompatibleProtocols", "The listener protocol '" + protocol +
                                                           "' is not compatible with the protocol '" +
                                                           GetString(*GetObject(*doc, "tg"), "Protocol") +
                                                           "' of the target group");
    }
  }
  return OkStatus();
}

namespace {

// Sets Protocol/Port/SslPolicy/Certificates/AlpnPolicy of `l` from `in`,
// then validates the combination.
Status ConfigureListener(json::object& l, const json::object& in, const std::string& lb_type, bool create) {
  if (Has(in, "Protocol")) l["Protocol"] = GetString(in, "Protocol");
  if (Has(in, "Port")) l["Port"] = GetInt(in, "Port");
  if (Has(in, "Port") && (GetInt(l, "Port") < 1 || GetInt(l, "Port") > 65535))
    return Invalid("Port must be between 1 and 65535");
  std::string protocol = GetString(l, "Protocol");
  if (create && lb_type != "gateway") {
    if (protocol.empty()) return Invalid("A listener protocol must be specified");
    if (!Has(l, "Port")) return Invalid("A listener port must be specified");
  }
  if (lb_type == "gateway" && (Has(in, "Protocol") || Has(in, "Port")))
    return Invalid("Protocol and port cannot be specified for listeners of Gateway Load Balancers");
  if (!ProtocolAllowed(lb_type, protocol))
    return AwsError::Make("UnsupportedProtocol", "Protocol '" + protocol +
                                                     "' is not supported for load balancers of type '" + lb_type + "'");
  if (Secure(protocol)) {
    if (auto* certs = GetArray(in, "Certificates")) {
      json::array list;
      for (const auto& c : *certs) list.push_back(json::object{{"CertificateArn", GetString(c.as_object(), "CertificateArn")}});
      l["Certificates"] = std::move(list);
    }
    if (!GetArray(l, "Certificates") || GetArray(l, "Certificates")->empty())
      return AwsError::Make("CertificateNotFound", "A certificate must be specified for " + protocol + " listeners");
    if (GetArray(l, "Certificates")->size() != 1)
      return Invalid("You must provide exactly one certificate if the listener protocol is " + protocol);
    if (auto p = GetString(in, "SslPolicy"); !p.empty()) {
      if (!FindSslPolicy(p)) return AwsError::Make("SSLPolicyNotFound", "SSL policy '" + p + "' not found");
      l["SslPolicy"] = p;
    }
    if (!Has(l, "SslPolicy")) l["SslPolicy"] = std::string(kDefaultSslPolicy);
  } else {
    if (Has(in, "Certificates") && GetArray(in, "Certificates") && !GetArray(in, "Certificates")->empty())
      return Invalid("Certificates can be specified only for HTTPS and TLS listeners");
    if (!GetString(in, "SslPolicy").empty()) return Invalid("An SSL policy can be specified only for HTTPS and TLS listeners");
    l.erase("Certificates");
    l.erase("SslPolicy");
  }
  if (auto* alpn = GetArray(in, "AlpnPolicy"); alpn && !alpn->empty()) {
    if (protocol != "TLS") return Invalid("An ALPN policy can be specified only for TLS listeners");
    static const std::set<std::string> kPolicies = {"HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"};
    std::string p = (*alpn)[0].is_string() ? std::string((*alpn)[0].as_string()) : "";
    if (alpn->size() != 1 || !kPolicies.count(p))
      return AwsError::Make("ALPNPolicyNotFound", "ALPN policy '" + p + "' not found");
    l["AlpnPolicy"] = json::array{json::string(p)};
  } else if (protocol != "TLS") {
    l.erase("AlpnPolicy");
  }
  return OkStatus();
}

}  // namespace

Result<json::object> Elbv2Service::CreateListener(CallContext& ctx, json::object& in) {
  std::string lb_arn = GetString(in, "LoadBalancerArn");
  auto* lb_doc = lbs_.Find(store::Collection::Key(ctx.region, lb_arn));
  if (!lb_doc) return LoadBalancerNotFound();
  std::string lb_type = GetString(*GetObject(*lb_doc, "lb"), "Type");
  json::object l{{"ListenerArn", ""}, {"LoadBalancerArn", lb_arn}};
  FARGO_TRY(ConfigureListener(l, in, lb_type, /*create=*/true));
  if (const json::array* certs = GetArray(l, "Certificates")) FARGO_TRY(CheckCertificates(*certs));
  FARGO_ASSIGN_OR_RETURN(json::array actions, NormalizeActions(ctx.region, *lb_doc, *GetArray(in, "DefaultActions")));
  FARGO_TRY(CheckCompatible(tgs_, ctx.region, lb_type, GetString(l, "Protocol"), actions));
  l["DefaultActions"] = std::move(actions);
  FARGO_ASSIGN_OR_RETURN(json::object tags, TagsFromList(GetArray(in, "Tags")));

  // One listener per port: the same settings are an idempotent success.
  for (const auto& key : ListenerKeysOf(ctx.region, lb_arn)) {
    const auto& doc = *listeners_.Find(key);
    json::object old = ListenerView(doc);
    if (GetInt(old, "Port") != GetInt(l, "Port")) continue;
    std::string old_arn = GetString(old, "ListenerArn");
    old["ListenerArn"] = "";
    if (old == l) {
      old["ListenerArn"] = old_arn;
      return json::object{{"Listeners", json::array{std::move(old)}}};
    }
    return AwsError::Make("DuplicateListener", "A listener already exists on this port for this load balancer '" + lb_arn + "'");
  }
  std::string arn = ListenerArn(lb_arn, env_.ids.Hex(16));
  l["ListenerArn"] = arn;
  json::object doc{{"listener", l},
                   {"attributes", ToObject(DefaultListenerAttributes(lb_type, GetString(l, "Protocol")))},
                   {"tags", std::move(tags)},
                   {"ruleArn", ListenerRuleArn(arn, env_.ids.Hex(16))},
                   {"ruleTags", json::object{}}};
  FARGO_TRY(listeners_.Put(store::Collection::Key(ctx.region, arn), std::move(doc)));
  return json::object{{"Listeners", json::array{std::move(l)}}};
}

Result<json::object> Elbv2Service::DescribeListeners(CallContext& ctx, json::object& in) {
  auto arns = Strings(in, "ListenerArns");
  std::string lb_arn = GetString(in, "LoadBalancerArn");
  if (arns.empty() && lb_arn.empty())
    return Invalid("You must specify either listener ARNs or a load balancer ARN");
  json::array items;
  if (!arns.empty()) {
    for (const auto& arn : arns) {
      auto* doc = listeners_.Find(store::Collection::Key(ctx.region, arn));
      if (!doc) return ListenerNotFound();
      items.push_back(ListenerView(*doc));
    }
  } else {
    if (!lbs_.Find(store::Collection::Key(ctx.region, lb_arn))) return LoadBalancerNotFound();
    for (const auto& key : ListenerKeysOf(ctx.region, lb_arn)) items.push_back(ListenerView(*listeners_.Find(key)));
  }
  json::object out;
  out["Listeners"] = Page(std::move(items), in, out);
  return out;
}

Result<json::object> Elbv2Service::ModifyListener(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ListenerArn");
  std::string key = store::Collection::Key(ctx.region, arn);
  auto* found = listeners_.Find(key);
  if (!found) return ListenerNotFound();
  json::object doc = *found;
  json::object& l = doc["listener"].as_object();
  std::string lb_arn = GetString(l, "LoadBalancerArn");
  auto* lb_doc = lbs_.Find(store::Collection::Key(ctx.region, lb_arn));
  if (!lb_doc) return LoadBalancerNotFound();
  std::string lb_type = GetString(*GetObject(*lb_doc, "lb"), "Type");
  std::string old_protocol = GetString(l, "Protocol");
  FARGO_TRY(ConfigureListener(l, in, lb_type, /*create=*/false));
  if (const json::array* certs = GetArray(l, "Certificates")) FARGO_TRY(CheckCertificates(*certs));
  // Certificates added for SNI go when the listener stops being secure.
  if (!GetArray(l, "Certificates")) doc.erase("sniCertificates");
  if (auto* actions = GetArray(in, "DefaultActions"); actions && !actions->empty()) {
    FARGO_ASSIGN_OR_RETURN(json::array normalized, NormalizeActions(ctx.region, *lb_doc, *actions));
    l["DefaultActions"] = std::move(normalized);
  }
  FARGO_TRY(CheckCompatible(tgs_, ctx.region, lb_type, GetString(l, "Protocol"), *GetArray(l, "DefaultActions")));
  if (Has(in, "Port"))
    for (const auto& other : ListenerKeysOf(ctx.region, lb_arn))
      if (other != key && GetInt(*GetObject(*listeners_.Find(other), "listener"), "Port") == GetInt(l, "Port"))
        return AwsError::Make("DuplicateListener", "A listener already exists on this port for this load balancer '" + lb_arn + "'");
  if (GetString(l, "Protocol") != old_protocol) {
    // Keep the values of attributes the new protocol still has.
    json::object attrs = ToObject(DefaultListenerAttributes(lb_type, GetString(l, "Protocol")));
    for (auto& kv : attrs)
      if (auto* v = GetObject(doc, "attributes")->if_contains(kv.key())) kv.value() = *v;
    doc["attributes"] = std::move(attrs);
  }
  json::object view = l;
  FARGO_TRY(listeners_.Put(key, std::move(doc)));
  return json::object{{"Listeners", json::array{std::move(view)}}};
}

Result<json::object> Elbv2Service::DeleteListener(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "ListenerArn"));
  if (!listeners_.Find(key)) return ListenerNotFound();
  auto rule_keys = RuleKeysOf(ctx.region, GetString(in, "ListenerArn"));
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& rk : rule_keys) FARGO_TRY(rules_.Erase(rk));
    return listeners_.Erase(key);
  }));
  return json::object{};
}

Status Elbv2Service::CheckCertificates(const json::array& certs) const {
  if (!certificates_) return OkStatus();
  for (const auto& c : certs) {
    std::string arn = c.is_object() ? GetString(c.as_object(), "CertificateArn") : "";
    if (!certificates_(arn)) return AwsError::Make("CertificateNotFound", "Certificate '" + arn + "' not found");
  }
  return OkStatus();
}

std::vector<std::string> Elbv2Service::LoadBalancersUsingCertificate(const std::string& arn) const {
  std::vector<std::string> out;
  listeners_.ForEachPrefix("", [&](const std::string&, const json::object& doc) {
    const json::object& l = *GetObject(doc, "listener");
    bool uses = false;
    if (const json::array* certs = GetArray(l, "Certificates"))
      for (const auto& c : *certs) uses = uses || GetString(c.as_object(), "CertificateArn") == arn;
    for (const auto& sni : Strings(doc, "sniCertificates")) uses = uses || sni == arn;
    std::string lb = GetString(l, "LoadBalancerArn");
    if (uses && std::find(out.begin(), out.end(), lb) == out.end()) out.push_back(lb);
  });
  return out;
}

Result<json::object> Elbv2Service::DescribeListenerCertificates(CallContext& ctx, json::object& in) {
  auto* doc = listeners_.Find(store::Collection::Key(ctx.region, GetString(in, "ListenerArn")));
  if (!doc) return ListenerNotFound();
  json::array items;
  if (const json::array* certs = GetArray(*GetObject(*doc, "listener"), "Certificates"))
    for (const auto& c : *certs)
      items.push_back(json::object{{"CertificateArn", GetString(c.as_object(), "CertificateArn")}, {"IsDefault", true}});
  for (const auto& arn : Strings(*doc, "sniCertificates"))
    items.push_back(json::object{{"CertificateArn", arn}, {"IsDefault", false}});
  json::object out;
  out["Certificates"] = Page(std::move(items), in, out);
  return out;
}

Result<json::object> Elbv2Service::AddListenerCertificates(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "ListenerArn"));
  auto* found = listeners_.Find(key);
  if (!found) return ListenerNotFound();
  json::object doc = *found;
  std::string protocol = GetString(*GetObject(doc, "listener"), "Protocol");
  if (!Secure(protocol))
    return Invalid("Certificates can be added only to HTTPS and TLS listeners, not to " + protocol + " listeners");
  const json::array* given = GetArray(in, "Certificates");
  if (!given || given->empty()) return Invalid("At least one certificate must be specified");
  FARGO_TRY(CheckCertificates(*given));
  std::vector<std::string> sni = Strings(doc, "sniCertificates");
  json::array added;
  for (const auto& c : *given) {
    std::string arn = GetString(c.as_object(), "CertificateArn");
    if (std::find(sni.begin(), sni.end(), arn) == sni.end()) sni.push_back(arn);
    added.push_back(json::object{{"CertificateArn", arn}, {"IsDefault", false}});
  }
  json::array stored;
  for (const auto& arn : sni) stored.emplace_back(arn);
  doc["sniCertificates"] = std::move(stored);
  FARGO_TRY(listeners_.Put(key, std::move(doc)));
  return json::object{{"Certificates", std::move(added)}};
}

Result<json::object> Elbv2Service::RemoveListenerCertificates(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "ListenerArn"));
  auto* found = listeners_.Find(key);
  if (!found) return ListenerNotFound();
  json::object doc = *found;
  std::vector<std::string> sni = Strings(doc, "sniCertificates");
  std::string default_arn;
  if (const json::array* certs = GetArray(*GetObject(doc, "listener"), "Certificates"); certs && !certs->empty())
    default_arn = GetString((*certs)[0].as_object(), "CertificateArn");
  if (const json::array* given = GetArray(in, "Certificates"))
    for (const auto& c : *given) {
      std::string arn = GetString(c.as_object(), "CertificateArn");
      if (arn == default_arn)
        return AwsError::Make("OperationNotPermitted", "The default certificate of a listener cannot be removed");
      sni.erase(std::remove(sni.begin(), sni.end(), arn), sni.end());
    }
  json::array stored;
  for (const auto& arn : sni) stored.emplace_back(arn);
  doc["sniCertificates"] = std::move(stored);
  FARGO_TRY(listeners_.Put(key, std::move(doc)));
  return json::object{};
}

Result<json::object> Elbv2Service::DescribeListenerAttributes(CallContext& ctx, json::object& in) {
  return DescribeAttributes({listeners_, "ListenerArn", "Listener", &ListenerNotFound}, ctx, in);
}

Result<json::object> Elbv2Service::ModifyListenerAttributes(CallContext& ctx, json::object& in) {
  return ModifyAttributes({listeners_, "ListenerArn", "Listener", &ListenerNotFound}, ctx, in);
}

// The predefined policies (elbv2_ssl_policies.h), every one for both
// application and network load balancers, as AWS lists them.
Result<json::object> Elbv2Service::DescribeSSLPolicies(CallContext&, json::object& in) {
  std::vector<const SslPolicy*> chosen;
  if (std::vector<std::string> names = Strings(in, "Names"); !names.empty()) {
    for (const auto& n : names) {
      const SslPolicy* p = FindSslPolicy(n);
      if (!p) return AwsError::Make("SSLPolicyNotFound", "One or more SSL policies not found");
      if (std::find(chosen.begin(), chosen.end(), p) == chosen.end()) chosen.push_back(p);
    }
  } else {
    for (const auto& p : SslPolicies()) chosen.push_back(&p);
  }
  std::string type = GetString(in, "LoadBalancerType");
  if (!type.empty() && type != "application" && type != "network") chosen.clear();  // gateway: none
  size_t start = 0;
  if (std::string marker = GetString(in, "Marker"); !marker.empty()) {
    std::optional<size_t> at = ParsePageToken(marker);
    if (!at) return Invalid("The marker '" + marker + "' is not valid");
    start = *at;
  }
  PageSpan page = PageAt(chosen.size(), start, static_cast<size_t>(std::clamp<int64_t>(GetInt(in, "PageSize", 400), 1, 400)));
  json::array list;
  for (size_t i = page.begin; i < page.end; ++i) {
    const SslPolicy& p = *chosen[i];
    json::array protocols, ciphers;
    for (const auto& v : SslProtocolsOf(p)) protocols.push_back(json::string(v));
    int64_t priority = 0;
    for (const auto& c : CiphersOf(p)) ciphers.push_back(json::object{{"Name", c}, {"Priority", ++priority}});
    list.push_back(json::object{{"SslProtocols", std::move(protocols)},
                                {"Ciphers", std::move(ciphers)},
                                {"Name", std::string(p.name)},
                                {"SupportedLoadBalancerTypes", json::array{"application", "network"}}});
  }
  json::object out{{"SslPolicies", std::move(list)}};
  if (!page.next_token.empty()) out["NextMarker"] = page.next_token;
  return out;
}

}  // namespace fargo::services
