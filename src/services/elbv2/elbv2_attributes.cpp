// ELBv2 attribute catalogues (AWS defaults by load balancer type, protocol and
// target type), validation of changes, and the one Describe/Modify*Attributes
// implementation shared by load balancers, target groups and listeners.
#include "services/elbv2/elbv2_attributes.h"

#include <cctype>
#include <map>

#include "services/elbv2/elbv2_service.h"

namespace fargo::services::elbv2 {
namespace json = boost::json;
namespace {

bool IsBool(std::string_view v) { return v == "true" || v == "false"; }
bool IsInt(std::string_view v) {
  if (v.empty() || v.size() > 9) return false;
  for (char c : v)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Inclusive ranges of integer attributes whose limits AWS enforces.
const std::map<std::string, std::pair<int, int>, std::less<>>& IntRanges() {
  static const std::map<std::string, std::pair<int, int>, std::less<>> t = {
      {"idle_timeout.timeout_seconds", {1, 4000}},
      {"client_keep_alive.seconds", {60, 604800}},
      {"deregistration_delay.timeout_seconds", {0, 3600}},
      {"slow_start.duration_seconds", {0, 900}},
      {"stickiness.lb_cookie.duration_seconds", {1, 604800}},
      {"stickiness.app_cookie.duration_seconds", {1, 604800}},
      {"tcp.idle_timeout.seconds", {60, 6000}},
      {"target_health_state.unhealthy.draining_interval_seconds", {0, 360000}},
      {"secondary_ips.auto_assigned.per_subnet", {0, 7}},
  };
  return t;
}

// Attributes with a closed set of values.
const std::map<std::string, std::vector<std::string>, std::less<>>& Enums() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> t = {
      {"dns_record.client_routing_policy",
       {"availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone"}},
      {"routing.http.desync_mitigation_mode", {"monitor", "defensive", "strictest"}},
      {"routing.http.xff_header_processing.mode", {"append", "preserve", "remove"}},
      {"load_balancing.algorithm.type", {"round_robin", "least_outstanding_requests", "weighted_random"}},
      {"load_balancing.algorithm.anomaly_mitigation", {"on", "off"}},
      {"stickiness.type", {"lb_cookie", "app_cookie", "source_ip", "source_ip_dest_ip", "source_ip_dest_ip_proto"}},
      {"target_failover.on_deregistration", {"rebalance", "no_rebalance"}},
      {"target_failover.on_unhealthy", {"rebalance", "no_rebalance"}},
  };
  return t;
}

Status CheckValue(const std::string& key, const std::string& value, const std::string& current,
                  std::string_view what) {
  auto invalid = [&](const std::string& why) {
    return AwsError::Make("ValidationError", std::string(what) + " attribute '" + key + "' value '" + value +
                                                 "' is not valid: " + why);
  };
  if (key == "load_balancing.cross_zone.enabled" && current == "use_load_balancer_configuration") {
    if (!IsBool(value) && value != "use_load_balancer_configuration")
      return invalid("must be 'true', 'false' or 'use_load_balancer_configuration'");
    return OkStatus();
  }
  if (auto e = Enums().find(key); e != Enums().end()) {
    for (const auto& ok : e->second)
      if (ok == value) return OkStatus();
    std::string list;
    for (const auto& ok : e->second) list += (list.empty() ? "'" : ", '") + ok + "'";
    return invalid("must be one of " + list);
  }
  if (key.find("minimum_healthy_targets.percentage") != std::string::npos) {
    if (value == "off") return OkStatus();
    if (!IsInt(value) || std::stoi(value) < 1 || std::stoi(value) > 100)
      return invalid("must be 'off' or an integer from 1 to 100");
    return OkStatus();
  }
  if (key.find("minimum_healthy_targets.count") != std::string::npos) {
    if (value == "off") return OkStatus();
    if (!IsInt(value) || std::stoi(value) < 1) return invalid("must be 'off' or a positive integer");
    return OkStatus();
  }
  if (IsBool(current)) {
    if (!IsBool(value)) return invalid("must be 'true' or 'false'");
    return OkStatus();
  }
  if (IsInt(current)) {
    if (!IsInt(value)) return invalid("must be an integer");
    if (auto r = IntRanges().find(key); r != IntRanges().end()) {
      int v = std::stoi(value);
      if (v < r->second.first || v > r->second.second)
        return invalid("must be between " + std::to_string(r->second.first) + " and " +
                       std::to_string(r->second.second));
    }
  }
  return OkStatus();
}

bool IsNlbProtocol(std::string_view p) { return p == "TCP" || p == "UDP" || p == "TLS" || p == "TCP_UDP" || p == "QUIC" || p == "TCP_QUIC"; }

void AddTargetGroupHealth(Attributes& a) {
  a.emplace_back("target_group_health.dns_failover.minimum_healthy_targets.count", "1");
  a.emplace_back("target_group_health.dns_failover.minimum_healthy_targets.percentage", "off");
  a.emplace_back("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1");
  a.emplace_back("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off");
}

}  // namespace

Attributes DefaultLoadBalancerAttributes(std::string_view lb_type) {
  if (lb_type == "network")
    return {{"access_logs.s3.enabled", "false"},
            {"access_logs.s3.bucket", ""},
            {"access_logs.s3.prefix", ""},
            {"deletion_protection.enabled", "false"},
            {"ipv6.deny_all_igw_traffic", "false"},
            {"load_balancing.cross_zone.enabled", "false"},
            {"dns_record.client_routing_policy", "any_availability_zone"},
            {"zonal_shift.config.enabled", "false"},
            {"secondary_ips.auto_assigned.per_subnet", "0"}};
  if (lb_type == "gateway")
    return {{"deletion_protection.enabled", "false"}, {"load_balancing.cross_zone.enabled", "false"}};
  return {{"access_logs.s3.enabled", "false"},
          {"access_logs.s3.bucket", ""},
          {"access_logs.s3.prefix", ""},
          {"idle_timeout.timeout_seconds", "60"},
          {"deletion_protection.enabled", "false"},
          {"routing.http2.enabled", "true"},
          {"routing.http.drop_invalid_header_fields.enabled", "false"},
          {"routing.http.xff_client_port.enabled", "false"},
          {"routing.http.preserve_host_header.enabled", "false"},
          {"routing.http.xff_header_processing.mode", "append"},
          {"load_balancing.cross_zone.enabled", "true"},
          {"routing.http.desync_mitigation_mode", "defensive"},
          {"client_keep_alive.seconds", "3600"},
          {"waf.fail_open.enabled", "false"},
          {"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"},
          {"zonal_shift.config.enabled", "false"},
          {"ipv6.deny_all_igw_traffic", "false"},
          {"connection_logs.s3.enabled", "false"},
          {"connection_logs.s3.bucket", ""},
          {"connection_logs.s3.prefix", ""},
          {"health_check_logs.s3.enabled", "false"},
          {"health_check_logs.s3.bucket", ""},
          {"health_check_logs.s3.prefix", ""}};
}

Attributes DefaultTargetGroupAttributes(std::string_view protocol, std::string_view target_type) {
  Attributes a;
  if (target_type == "lambda") {
    a = {{"lambda.multi_value_headers.enabled", "false"},
         {"stickiness.enabled", "false"},
         {"stickiness.type", "lb_cookie"},
         {"stickiness.lb_cookie.duration_seconds", "86400"},
         {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"}};
    AddTargetGroupHealth(a);
    return a;
  }
  if (protocol == "GENEVE") {
    return {{"deregistration_delay.timeout_seconds", "300"},
            {"deregistration_delay.connection_termination.enabled", "false"},
            {"stickiness.enabled", "false"},
            {"stickiness.type", "source_ip_dest_ip_proto"},
            {"target_failover.on_deregistration", "no_rebalance"},
            {"target_failover.on_unhealthy", "no_rebalance"}};
  }
  if (IsNlbProtocol(protocol)) {
    // Client IPs are preserved for instance targets, and always for UDP.
    bool preserve = target_type == "instance" || protocol == "UDP" || protocol == "TCP_UDP";
    a = {{"proxy_protocol_v2.enabled", "false"},
         {"preserve_client_ip.enabled", preserve ? "true" : "false"},
         {"stickiness.enabled", "false"},
         {"deregistration_delay.timeout_seconds", "300"},
         {"stickiness.type", "source_ip"},
         {"deregistration_delay.connection_termination.enabled", "false"},
         {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"}};
    AddTargetGroupHealth(a);
    a.emplace_back("target_health_state.unhealthy.connection_termination.enabled", "true");
    a.emplace_back("target_health_state.unhealthy.draining_interval_seconds", "0");
    return a;
  }
  // HTTP / HTTPS (Application Load Balancer) target groups.
  a = {{"stickiness.enabled", "false"},
       {"deregistration_delay.timeout_seconds", "300"},
       {"stickiness.app_cookie.cookie_name", ""},
       {"stickiness.type", "lb_cookie"},
       {"stickiness.lb_cookie.duration_seconds", "86400"},
       {"slow_start.duration_seconds", "0"},
       {"stickiness.app_cookie.duration_seconds", "86400"},
       {"load_balancing.algorithm.type", "round_robin"},
       {"load_balancing.algorithm.anomaly_mitigation", "off"},
       {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"}};
  AddTargetGroupHealth(a);
  return a;
}

Attributes DefaultListenerAttributes(std::string_view lb_type, std::string_view protocol) {
  if (lb_type == "network") {
    if (protocol == "TCP" || protocol == "TLS" || protocol == "TCP_UDP")
      return {{"tcp.idle_timeout.seconds", "350"}};
    return {};
  }
  if (lb_type != "application") return {};
  Attributes a;
  if (protocol == "HTTPS") {
    a = {{"routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name",
          "X-Amzn-Mtls-Clientcert-Serial-Number"},
         {"routing.http.request.x_amzn_mtls_clientcert_issuer.header_name", "X-Amzn-Mtls-Clientcert-Issuer"},
         {"routing.http.request.x_amzn_mtls_clientcert_subject.header_name", "X-Amzn-Mtls-Clientcert-Subject"},
         {"routing.http.request.x_amzn_mtls_clientcert_validity.header_name", "X-Amzn-Mtls-Clientcert-Validity"},
         {"routing.http.request.x_amzn_mtls_clientcert_leaf.header_name", "X-Amzn-Mtls-Clientcert-Leaf"},
         {"routing.http.request.x_amzn_mtls_clientcert.header_name", "X-Amzn-Mtls-Clientcert"},
         {"routing.http.request.x_amzn_tls_version.header_name", "X-Amzn-Tls-Version"},
         {"routing.http.request.x_amzn_tls_cipher_suite.header_name", "X-Amzn-Tls-Cipher-Suite"},
         {"routing.http.response.strict_transport_security.header_value", ""}};
  }
  for (const char* k : {"routing.http.response.server.enabled"}) a.emplace_back(k, "true");
  for (const char* k : {"routing.http.response.access_control_allow_origin.header_value",
                        "routing.http.response.access_control_allow_methods.header_value",
                        "routing.http.response.access_control_allow_headers.header_value",
                        "routing.http.response.access_control_allow_credentials.header_value",
                        "routing.http.response.access_control_expose_headers.header_value",
                        "routing.http.response.access_control_max_age.header_value",
                        "routing.http.response.content_security_policy.header_value",
                        "routing.http.response.x_content_type_options.header_value",
                        "routing.http.response.x_frame_options.header_value"})
    a.emplace_back(k, "");
  return a;
}

json::object ToObject(const Attributes& attrs) {
  json::object o;
  for (const auto& [k, v] : attrs) o[k] = v;
  return o;
}

json::array ToKeyValueList(const json::object& attrs) {
  json::array out;
  for (const auto& kv : attrs) {
    json::object e;
    e["Key"] = std::string(kv.key());
    e["Value"] = kv.value().is_string() ? std::string(kv.value().as_string()) : std::string();
    out.push_back(std::move(e));
  }
  return out;
}

Status ApplyAttributeChanges(json::object& current, const json::array& changes, std::string_view what) {
  std::vector<std::pair<std::string, std::string>> pending;
  for (const auto& c : changes) {
    if (!c.is_object()) continue;
    const auto& o = c.as_object();
    auto* k = o.if_contains("Key");
    auto* v = o.if_contains("Value");
    std::string key = k && k->is_string() ? std::string(k->as_string()) : "";
    std::string value = v && v->is_string() ? std::string(v->as_string()) : "";
    auto* cur = current.if_contains(key);
    if (key.empty() || !cur)
      return AwsError::Make("ValidationError",
                            std::string(what) + " attribute key '" + key + "' is not recognized");
    FARGO_TRY(CheckValue(key, value, cur->is_string() ? std::string(cur->as_string()) : "", what));
    pending.emplace_back(std::move(key), std::move(value));
  }
  for (auto& [k, v] : pending) current[k] = v;
  return OkStatus();
}

}  // namespace fargo::services::elbv2

namespace fargo::services {

Result<json::object> Elbv2Service::DescribeAttributes(const AttributeOwner& owner, const CallContext& ctx,
                                                      const json::object& in) {
  const json::object* doc = owner.coll.Find(store::Collection::Key(ctx.region, GetString(in, owner.arn_member)));
  if (!doc) return owner.not_found();
  return json::object{{"Attributes", elbv2::ToKeyValueList(*GetObject(*doc, "attributes"))}};
}

Result<json::object> Elbv2Service::ModifyAttributes(const AttributeOwner& owner, const CallContext& ctx,
                                                    const json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, owner.arn_member));
  const json::object* found = owner.coll.Find(key);
  if (!found) return owner.not_found();
  json::object doc = *found;
  json::object attrs = *GetObject(doc, "attributes");
  FARGO_TRY(elbv2::ApplyAttributeChanges(attrs, *GetArray(in, "Attributes"), owner.what));
  json::array out = elbv2::ToKeyValueList(attrs);
  doc["attributes"] = std::move(attrs);
  FARGO_TRY(owner.coll.Put(key, std::move(doc)));
  return json::object{{"Attributes", std::move(out)}};
}

}  // namespace fargo::services
