// What the load balancers' data plane needs of ELBv2, as plain data built
// on the state thread (Elbv2Service::Plan) and handed to the data plane
// (src/dataplane/lb), which depends on this one header of ELBv2 and on
// nothing else of the service.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

struct ListenerPlan {
  std::string arn, protocol;  // TCP (HTTP for a later ALB listener)
  uint16_t port = 0;
  std::string target_group_arn;  // default forward action ("" : none)
};

struct LoadBalancerPlan {
  std::string region, arn, name, type, vpc_id;
  std::vector<std::string> addresses;  // one per subnet, inside the VPC
  int idle_timeout_s = 350;
  std::vector<ListenerPlan> listeners;
};

struct DataPlanePlan {
  std::vector<LoadBalancerPlan> load_balancers;
  std::vector<TargetGroupPlan> target_groups;  // those the listeners forward to
};

}  // namespace fargo::services::elbv2
