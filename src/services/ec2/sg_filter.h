// The effective packet filter of a network interface from its security
// groups' stored rules (sg_rules.h's shape: one rule per peer), as AWS
// applies it: the union of every rule of every group; a rule naming another
// group admits that group's current members (the addresses of every
// interface in it); IPv6 peers and prefix lists admit nothing here (fargo's
// VPCs are IPv4). Pure: usable for any interface (tasks', load balancers').
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "runtime/security_filter.h"

namespace fargo::services::ec2 {

// The private IPv4 addresses of the interfaces in group `group_id`.
using GroupMembers = std::function<std::vector<std::string>(const std::string& group_id)>;

// `rules`: the stored rules of each group of the interface. Rules with the
// same protocol and ports merge into one with their peers' union; the
// result is sorted (protocol, ports), so equal inputs give equal filters.
runtime::SecurityFilter ComputeSecurityFilter(const std::vector<const boost::json::array*>& rules,
                                              const GroupMembers& members);

}  // namespace fargo::services::ec2
