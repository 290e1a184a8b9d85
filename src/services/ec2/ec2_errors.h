// EC2's NotFound errors, worded as EC2 words them.
#pragma once

#include <string>

#include "common/result.h"

namespace fargo::services::ec2 {

inline AwsError VpcNotFound(const std::string& id) {
  return AwsError::Make("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist");
}
inline AwsError SubnetNotFound(const std::string& id) {
  return AwsError::Make("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist");
}
inline AwsError GroupNotFound(const std::string& id) {
  return AwsError::Make("InvalidGroup.NotFound", "The security group '" + id + "' does not exist");
}
inline AwsError AclNotFound(const std::string& id) {
  return AwsError::Make("InvalidNetworkAclID.NotFound", "The network ACL ID '" + id + "' does not exist");
}
inline AwsError RouteTableNotFound(const std::string& id) {
  return AwsError::Make("InvalidRouteTableID.NotFound", "The routeTable ID '" + id + "' does not exist");
}
inline AwsError InterfaceNotFound(const std::string& id) {
  return AwsError::Make("InvalidNetworkInterfaceID.NotFound",
                        "The networkInterface ID '" + id + "' does not exist");
}
inline AwsError RuleNotFound(const std::string& id) {
  return AwsError::Make("InvalidSecurityGroupRuleId.NotFound",
                        "The security group rule ID '" + id + "' does not exist");
}

inline AwsError GatewayNotFound(const std::string& id) {
  return AwsError::Make("InvalidInternetGatewayID.NotFound", "The internetGateway ID '" + id + "' does not exist");
}
inline AwsError EgressGatewayNotFound(const std::string& id) {
  return AwsError::Make("InvalidGatewayID.NotFound", "The eigw ID '" + id + "' does not exist");
}
inline AwsError AllocationNotFound(const std::string& id) {
  return AwsError::Make("InvalidAllocationID.NotFound", "The allocation ID '" + id + "' does not exist");
}
inline AwsError NatGatewayNotFound(const std::string& id) {
  return AwsError::Make("NatGatewayNotFound", "The Nat Gateway " + id + " was not found");
}
inline AwsError DhcpOptionsNotFound(const std::string& id) {
  return AwsError::Make("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '" + id + "' does not exist");
}
inline AwsError FlowLogNotFound(const std::string& id) {
  return AwsError::Make("InvalidFlowLogId.NotFound", "Flow log " + id + " does not exist");
}
inline AwsError AssociationNotFound(const std::string& id) {
  return AwsError::Make("InvalidAssociationID.NotFound", "The association ID '" + id + "' does not exist");
}

inline AwsError InstanceNotFound(const std::string& id) {
  return AwsError::Make("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
}
inline AwsError ImageNotFound(const std::string& id) {
  return AwsError::Make("InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist");
}

}  // namespace fargo::services::ec2
