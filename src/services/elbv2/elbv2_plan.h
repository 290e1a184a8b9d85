// What the load balancers' data plane needs of ELBv2, as plain data built
// on the state thread (Elbv2Service::Plan) and handed to the data plane
// (src/dataplane/lb), which depends on this one header of ELBv2 and on
// nothing else of the service (but the plain security filter it carries,
// runtime/security_filter.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/security_filter.h"

namespace fargo::services::elbv2 {

struct HealthCheckPlan {
  bool enabled = true;
  std::string protocol = "TCP";      // TCP | HTTP | HTTPS
  std::string port = "traffic-port";  // or a number
  std::string path = "/";
  std::string matcher = "200-399";  // HttpCode: "200", "200-299", "200,202"
  int interval_s = 30;
  int timeout_s = 10;
  int healthy_threshold = 5;
  int unhealthy_threshold = 2;
};

struct TargetPlan {
  std::string ip;
  uint16_t port = 0;
  bool draining = false;  // deregistered, its delay not over: no new connections
};

struct TargetGroupPlan {
  std::string region, arn, protocol, target_type;
  HealthCheckPlan health_check;
  std::vector<TargetPlan> targets;
};

// An application load balancer's rule condition, as the API has it:
// field host-header | path-pattern | http-header | http-request-method |
// query-string | source-ip. Values of one condition are alternatives.
struct ConditionPlan {
  std::string field;
  std::string header_name;          // http-header
  std::vector<std::string> values;  // all but query-string
  std::vector<std::pair<std::string, std::string>> query;  // query-string: (key or "", value)
};

struct WeightedGroupPlan {
  std::string arn;
  int weight = 1;
};

// A rule's answering action (the last one: forward, fixed-response or
// redirect; authentication actions are not served).
struct ActionPlan {
  std::string type;  // forward | fixed-response | redirect | "" (none served)
  std::vector<WeightedGroupPlan> target_groups;  // forward
  bool stickiness = false;                       // forward: target group stickiness
  int stickiness_s = 0;
  std::string status_code;  // fixed-response "200"; redirect "HTTP_301"
  std::string content_type, body;  // fixed-response
  std::string protocol, host, port, path, query;  // redirect, with #{...} placeholders
};

struct RulePlan {
  std::string arn;
  int priority = 0;  // 0: the default rule
  std::vector<ConditionPlan> conditions;  // all must match
  ActionPlan action;
};

// A certificate a TLS or HTTPS listener serves (ACM's), PEM.
struct ListenerCertificate {
  std::string arn, cert_pem, key_pem, chain_pem;
};

struct ListenerPlan {
  std::string arn, protocol;  // TCP, TLS, UDP, TCP_UDP; HTTP, HTTPS for application load balancers
  uint16_t port = 0;
  std::string target_group_arn;  // default forward action ("" : none); NLB
  std::vector<RulePlan> rules;   // HTTP: by priority, the default rule last
  // TLS, HTTPS: the default certificate first, then those added for SNI
  // (certificates ACM no longer has are left out).
  std::vector<ListenerCertificate> certificates;
  std::string ssl_policy;
};

// The target groups a listener forwards to (default action and rules).
inline std::vector<std::string> ForwardedTargetGroups(const ListenerPlan& l) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& arn) {
    if (arn.empty()) return;
    for (const auto& x : out)
      if (x == arn) return;
    out.push_back(arn);
  };
  add(l.target_group_arn);
  for (const auto& r : l.rules)
    for (const auto& g : r.action.target_groups) add(g.arn);
  return out;
}

struct LoadBalancerPlan {
  std::string region, arn, name, type, vpc_id;
  std::vector<std::string> addresses;  // one per subnet, inside the VPC
  int idle_timeout_s = 350;  // NLB: tcp.idle_timeout.seconds; ALB: idle_timeout.timeout_seconds (60)
  // Its security groups (none: not filtered, as an NLB made without any)
  // and what they admit, referenced groups resolved to their members'
  // addresses (EC2's, through ELBv2's filter resolver).
  std::vector<std::string> security_groups;
  runtime::SecurityFilter filter;
  std::vector<ListenerPlan> listeners;
};

struct DataPlanePlan {
  std::vector<LoadBalancerPlan> load_balancers;
  std::vector<TargetGroupPlan> target_groups;  // those the listeners forward to
};

}  // namespace fargo::services::elbv2
