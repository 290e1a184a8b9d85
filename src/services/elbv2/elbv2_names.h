// ELBv2 naming rules: resource-name validation, ARNs, DNS names, hosted
// zones and the subnet -> Availability Zone derivation used until the EC2
// service can answer for its subnets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::elbv2 {

// Load balancer names: 1-32 characters, alphanumerics and hyphens, neither
// starting nor ending with a hyphen, not starting with "internal-".
Status ValidateLoadBalancerName(std::string_view name);
// Target group names: the same alphabet and length, no leading/trailing hyphen.
Status ValidateTargetGroupName(std::string_view name);

// "app" | "net" | "gwy" for load balancer type application | network | gateway.
std::string TypeSegment(std::string_view lb_type);

// arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/HEX16
std::string LoadBalancerArn(std::string_view region, std::string_view account,
                            std::string_view lb_type, std::string_view name, std::string_view hex16);
// arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/HEX16
std::string TargetGroupArn(std::string_view region, std::string_view account, std::string_view name,
                           std::string_view hex16);
// The load balancer ARN with "loadbalancer/" -> "listener/" and "/HEX16" appended.
std::string ListenerArn(std::string_view lb_arn, std::string_view hex16);
// The listener ARN with "listener/" -> "listener-rule/" and "/HEX16" appended.
std::string ListenerRuleArn(std::string_view listener_arn, std::string_view hex16);

// What an ARN names, from its resource part.
enum class ArnKind { kLoadBalancer, kTargetGroup, kListener, kListenerRule, kUnknown };
ArnKind KindOfArn(std::string_view arn);
// The NAME segment of a load balancer ARN ("" if not one).
std::string LoadBalancerNameFromArn(std::string_view arn);

// AWS's DNS names: network/gateway "NAME-HEX16.elb.REGION.amazonaws.com",
// application "NAME-DIGITS.REGION.elb.amazonaws.com"; internal load
// balancers carry an "internal-" prefix. `hex16` supplies the randomness.
std::string DnsName(std::string_view lb_type, std::string_view scheme, std::string_view name,
                    std::string_view region, std::string_view hex16);
// Route 53 hosted zone of a region's load balancers of a type ("" if unknown).
std::string CanonicalHostedZoneId(std::string_view lb_type, std::string_view region);

// Availability Zone of the i-th subnet when EC2 cannot tell: REGION + a, b, c...
std::string DerivedZoneName(std::string_view region, size_t index);
// A stable VPC id derived from a subnet id when EC2 cannot tell ("vpc-" + 17 hex).
std::string DerivedVpcId(std::string_view subnet_id);

// True if `s` is a dotted-quad IPv4 address.
bool IsIpv4(std::string_view s);

}  // namespace fargo::services::elbv2
