#include "services/elbv2/elbv2_attributes.h"

#include <gtest/gtest.h>

namespace fargo::services::elbv2 {
namespace {

std::string Get(const Attributes& a, const std::string& k) {
  for (const auto& [key, v] : a)
    if (key == k) return v;
  return "<absent>";
}

TEST(Elbv2AttributesTest, NetworkLoadBalancerDefaults) {
  auto a = DefaultLoadBalancerAttributes("network");
  EXPECT_EQ(Get(a, "deletion_protection.enabled"), "false");
  EXPECT_EQ(Get(a, "load_balancing.cross_zone.enabled"), "false");
  EXPECT_EQ(Get(a, "dns_record.client_routing_policy"), "any_availability_zone");
  EXPECT_EQ(Get(a, "access_logs.s3.bucket"), "");
  EXPECT_EQ(Get(a, "zonal_shift.config.enabled"), "false");
  EXPECT_EQ(Get(a, "idle_timeout.timeout_seconds"), "<absent>");
}

TEST(Elbv2AttributesTest, ApplicationLoadBalancerDefaults) {
  auto a = DefaultLoadBalancerAttributes("application");
  EXPECT_EQ(Get(a, "idle_timeout.timeout_seconds"), "60");
  EXPECT_EQ(Get(a, "routing.http2.enabled"), "true");
  EXPECT_EQ(Get(a, "routing.http.desync_mitigation_mode"), "defensive");
  EXPECT_EQ(Get(a, "routing.http.xff_header_processing.mode"), "append");
  EXPECT_EQ(Get(a, "client_keep_alive.seconds"), "3600");
  EXPECT_EQ(Get(a, "load_balancing.cross_zone.enabled"), "true");
  EXPECT_EQ(Get(a, "dns_record.client_routing_policy"), "<absent>");
}

TEST(Elbv2AttributesTest, TargetGroupDefaultsDependOnProtocolAndTargetType) {
  auto ip_tcp = DefaultTargetGroupAttributes("TCP", "ip");
  EXPECT_EQ(Get(ip_tcp, "preserve_client_ip.enabled"), "false");
  EXPECT_EQ(Get(ip_tcp, "stickiness.type"), "source_ip");
  EXPECT_EQ(Get(ip_tcp, "deregistration_delay.timeout_seconds"), "300");
  EXPECT_EQ(Get(ip_tcp, "target_health_state.unhealthy.connection_termination.enabled"), "true");
  EXPECT_EQ(Get(ip_tcp, "slow_start.duration_seconds"), "<absent>");
  EXPECT_EQ(Get(DefaultTargetGroupAttributes("TCP", "instance"), "preserve_client_ip.enabled"), "true");
  EXPECT_EQ(Get(DefaultTargetGroupAttributes("UDP", "ip"), "preserve_client_ip.enabled"), "true");
  auto http = DefaultTargetGroupAttributes("HTTP", "instance");
  EXPECT_EQ(Get(http, "stickiness.type"), "lb_cookie");
  EXPECT_EQ(Get(http, "load_balancing.algorithm.type"), "round_robin");
  EXPECT_EQ(Get(http, "stickiness.lb_cookie.duration_seconds"), "86400");
  EXPECT_EQ(Get(http, "proxy_protocol_v2.enabled"), "<absent>");
  EXPECT_EQ(Get(DefaultTargetGroupAttributes("", "lambda"), "lambda.multi_value_headers.enabled"), "false");
  EXPECT_EQ(Get(DefaultTargetGroupAttributes("GENEVE", "instance"), "target_failover.on_unhealthy"), "no_rebalance");
}

TEST(Elbv2AttributesTest, ListenerDefaults) {
  EXPECT_EQ(Get(DefaultListenerAttributes("network", "TCP"), "tcp.idle_timeout.seconds"), "350");
  EXPECT_TRUE(DefaultListenerAttributes("network", "UDP").empty());
  EXPECT_EQ(Get(DefaultListenerAttributes("application", "HTTP"), "routing.http.response.server.enabled"), "true");
}

boost::json::array Changes(std::initializer_list<std::pair<const char*, const char*>> kv) {
  boost::json::array out;
  for (auto [k, v] : kv) out.push_back(boost::json::object{{"Key", k}, {"Value", v}});
  return out;
}

TEST(Elbv2AttributesTest, ChangesAreValidatedThenAppliedAtomically) {
  auto attrs = ToObject(DefaultLoadBalancerAttributes("network"));
  ASSERT_TRUE(ApplyAttributeChanges(attrs, Changes({{"deletion_protection.enabled", "true"}}), "Load balancer").ok());
  EXPECT_EQ(attrs["deletion_protection.enabled"].as_string(), "true");

  auto unknown = ApplyAttributeChanges(attrs, Changes({{"load_balancing.cross_zone.enabled", "true"}, {"x", "1"}}),
                                       "Load balancer");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "ValidationError");
  EXPECT_EQ(unknown.error().message, "Load balancer attribute key 'x' is not recognized");
  EXPECT_EQ(attrs["load_balancing.cross_zone.enabled"].as_string(), "false");  // nothing applied

  EXPECT_FALSE(ApplyAttributeChanges(attrs, Changes({{"deletion_protection.enabled", "yes"}}), "Load balancer").ok());
  EXPECT_FALSE(
      ApplyAttributeChanges(attrs, Changes({{"dns_record.client_routing_policy", "nearest"}}), "Load balancer").ok());
  EXPECT_TRUE(ApplyAttributeChanges(attrs, Changes({{"access_logs.s3.bucket", "logs"}}), "Load balancer").ok());

  auto tg = ToObject(DefaultTargetGroupAttributes("TCP", "ip"));
  EXPECT_TRUE(ApplyAttributeChanges(tg, Changes({{"deregistration_delay.timeout_seconds", "30"}}), "Target group").ok());
  EXPECT_FALSE(ApplyAttributeChanges(tg, Changes({{"deregistration_delay.timeout_seconds", "4000"}}), "Target group").ok());
  EXPECT_TRUE(ApplyAttributeChanges(tg, Changes({{"load_balancing.cross_zone.enabled", "true"}}), "Target group").ok());
  EXPECT_TRUE(ApplyAttributeChanges(
                  tg, Changes({{"target_group_health.dns_failover.minimum_healthy_targets.percentage", "50"}}),
                  "Target group")
                  .ok());
  auto list = ToKeyValueList(tg);
  EXPECT_EQ(list.size(), tg.size());
  EXPECT_EQ(list[0].as_object().at("Key").as_string(), "proxy_protocol_v2.enabled");
}

}  // namespace
}  // namespace fargo::services::elbv2
