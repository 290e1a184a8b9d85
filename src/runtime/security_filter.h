// The packet filter of one network interface, as its security groups decide
// it: what EC2 computes (every rule of every group of the interface, with
// referenced groups resolved to their members' addresses) and what the
// runtime enforces (namespace_filter.h). Plain data, so the control plane
// builds it without linking the runtime.
//
// Stateful as AWS: a rule admits connections; their return traffic passes
// regardless. Anything no rule admits is dropped.
#pragma once

#include <string>
#include <tuple>
#include <vector>

namespace fargo::runtime {

struct SecurityRule {
  // "-1" (all), "tcp", "udp", "icmp", or another IP protocol number ("47").
  std::string protocol = "-1";
  // tcp/udp: the destination port range (-1/-1: all). icmp: type and code
  // (-1: any). Otherwise unused (-1).
  int from_port = -1;
  int to_port = -1;
  // The peers: IPv4 CIDRs ("10.0.0.0/16", "10.0.1.23/32"), sorted, unique.
  std::vector<std::string> cidrs;

  bool operator==(const SecurityRule& o) const {
    return std::tie(protocol, from_port, to_port, cidrs) == std::tie(o.protocol, o.from_port, o.to_port, o.cidrs);
  }
  bool operator!=(const SecurityRule& o) const { return !(*this == o); }
};

struct SecurityFilter {
  std::vector<SecurityRule> ingress;  // peers are sources
  std::vector<SecurityRule> egress;   // peers are destinations

  bool operator==(const SecurityFilter& o) const { return ingress == o.ingress && egress == o.egress; }
  bool operator!=(const SecurityFilter& o) const { return !(*this == o); }

  // Whether a direction admits everything (one all-protocol rule to
  // 0.0.0.0/0): nothing to filter there.
  static bool AllowsAll(const std::vector<SecurityRule>& rules) {
    for (const auto& r : rules)
      if (r.protocol == "-1")
        for (const auto& c : r.cidrs)
          if (c == "0.0.0.0/0") return true;
    return false;
  }
  bool Open() const { return AllowsAll(ingress) && AllowsAll(egress); }
};

// A load balancer's filter: its security groups' rules for traffic to its
// addresses (ingress: clients of its listeners) and from them (egress: to
// targets, health checks). Enforced in its VPC's namespace, where the
// addresses live (namespace_filter.h, RenderBalancerFilter).
struct BalancerFilter {
  std::vector<std::string> addresses;  // "10.0.1.9", no /32
  SecurityFilter filter;

  bool operator==(const BalancerFilter& o) const { return addresses == o.addresses && filter == o.filter; }
  bool operator!=(const BalancerFilter& o) const { return !(*this == o); }
};

}  // namespace fargo::runtime
