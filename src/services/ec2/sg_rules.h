// Security group rules: the translation between EC2's two views of them.
//
// Requests speak IpPermissions (a protocol/port range with lists of peers);
// state keeps one rule per peer, shaped like the model's SecurityGroupRule
// (SecurityGroupRuleId, IsEgress, IpProtocol, FromPort, ToPort, one of
// CidrIpv4 / CidrIpv6 / PrefixListId / ReferencedGroupInfo, Description), as
// DescribeSecurityGroupRules reports them.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::services::ec2 {

// "TCP" / "6" -> "tcp", "all" / "-1" -> "-1", other numbers stay numbers.
// Empty result: not a protocol.
std::string NormalizeProtocol(const std::string& p);

// Resolves a UserIdGroupPair to the referenced group's id (by GroupId or
// GroupName), or fails with the EC2 error for an unknown group.
using GroupResolver = std::function<Result<std::string>(const boost::json::object& pair)>;

// Expands IpPermissions into one rule per peer (without ids). `account` fills
// the referenced groups' UserId when the request leaves it out.
Result<std::vector<boost::json::object>> ExpandPermissions(const boost::json::array& permissions,
                                                          bool egress, const std::string& account,
                                                          const GroupResolver& resolve);

// true if two rules allow the same traffic (ignoring ids and descriptions).
bool SameRule(const boost::json::object& a, const boost::json::object& b);

// The IpPermissions view of the rules with IsEgress == `egress`, grouping
// peers that share protocol and ports (in order of first appearance).
boost::json::array ToIpPermissions(const boost::json::array& rules, bool egress);

// EC2's wording of a rule in Duplicate errors: "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW".
std::string DescribeRule(const boost::json::object& rule);

}  // namespace fargo::services::ec2
