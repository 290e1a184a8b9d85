// A task's security groups, enforced inside its own network namespace
// (iptables, filter table, on its ENI eth0): what a SecurityFilter admits in
// and out, plus return traffic of admitted connections (conntrack), and
// nothing else: the rest is DROPPED, so a connection attempt times out.
//
// fargo's own services are exempt, as AWS's link-local services and VPC
// router are never filtered by security groups:
//   out: 169.254.170.2 (task endpoints, the API), 169.254.170.3 (the AWS
//        names: HTTP, HTTPS), 169.254.172.0/22 (each fargo's own address,
//        where the VPC's DNAT leads those), the VPC resolver (base + 2 and
//        169.254.169.253, port 53), the subnet's router (base + 1);
//   in:  from the subnet's router and from 169.254.0.0/16 (fargo's side of
//        the uplink: port forwards and routes from the host; no VPC
//        address is ever link-local).
//
// One iptables-restore per change rewrites the table whole (atomic: no
// moment without rules). An open filter (all in, all out) is no rule at
// all; in a namespace that never had rules it costs nothing.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/security_filter.h"

namespace fargo::runtime {

// Where the task's ENI lies: its exemptions depend on it.
struct FilterPlace {
  std::string vpc_cidr;     // "10.0.0.0/16": the resolver is its base + 2
  std::string subnet_cidr;  // "10.0.1.0/24": the router is its base + 1
};

// The iptables-restore input that enforces `filter` (an open filter: the
// empty filter table). Rules whose protocol iptables cannot match for IPv4
// (icmpv6) are left out.
std::string RenderNamespaceFilter(const SecurityFilter& filter, const FilterPlace& place);

// The load balancers of one VPC, filtered inside the VPC's namespace (the
// filter table's FARGO-LB-IN, jumped to from INPUT, and FARGO-LB-OUT, from
// OUTPUT; both rewritten whole, nothing else touched): for each of `lbs`,
// traffic to one of its addresses passes when a reply (conntrack), from
// fargo's side of the uplink (169.254.0.0/16: port forwards from the host)
// or admitted by its ingress rules, else is DROPPED; traffic from its
// addresses (to targets, health checks) when a reply or admitted by its
// egress rules, else DROPPED. Addresses of no entry are not filtered.
// `add_input_jump`/`add_output_jump`: the INPUT/OUTPUT jumps are missing
// (a namespace that never had them). The input of `iptables-restore
// --noflush`.
std::string RenderBalancerFilter(const std::vector<BalancerFilter>& lbs, bool add_input_jump, bool add_output_jump);
constexpr const char* kBalancerInChain = "FARGO-LB-IN";
constexpr const char* kBalancerOutChain = "FARGO-LB-OUT";

// Loads `rules` (RenderNamespaceFilter's) into the namespace `netns_fd`.
// Blocking (one process).
Status ApplyNamespaceFilter(int netns_fd, const std::string& rules);

}  // namespace fargo::runtime
