// VpcRules: the iptables rules fargo keeps in a VPC's namespace, planned as
// one `iptables-restore --noflush` text, so that making a VPC costs one
// process however many rules it gets (each `iptables` run costs a few ms).
//
//   nat     POSTROUTING   -o up0 -j MASQUERADE          (the uplink's)
//           PREROUTING    -j FARGO-SVC
//           FARGO-SVC     DNAT of fargo's service addresses to this
//                         instance's address (rewritten whole)
//   filter  FORWARD       -o up0 -j FARGO-UPLINK
//           FARGO-UPLINK  replies, fargo's service addresses, DNATed: ACCEPT;
//                         -j FARGO-EGRESS; DROP (rewritten whole)
//           FARGO-EGRESS  -s <address>/32 ACCEPT, one per ENI with egress
//                         (kept: SetEgress adds and deletes its rules)
//           INPUT/OUTPUT  -j FARGO-LB-IN / FARGO-LB-OUT: the load
//                         balancers' security groups (namespace_filter.h)
//
// Pure: the fabric (vpc_fabric_egress.cpp) runs iptables-save and
// iptables-restore inside the namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fargo::runtime {

class VpcRules {
 public:
  static constexpr const char* kUplinkInside = "up0";
  static constexpr const char* kServiceChain = "FARGO-SVC";
  static constexpr const char* kUplinkChain = "FARGO-UPLINK";
  static constexpr const char* kEgressChain = "FARGO-EGRESS";

  // A DNAT of FARGO-SVC: TCP to from_ip(:from_port) goes to the instance's
  // address (:to_port). 0: any port / the same port.
  struct Redirect {
    std::string from_ip;
    uint16_t from_port = 0;
    uint16_t to_port = 0;
  };

  // What a namespace holds of fargo's rules, as far as this process knows.
  // A namespace this process made holds nothing (State{}); one it adopts is
  // read (Parse).
  struct State {
    bool masquerade = false;    // nat POSTROUTING -o up0 -j MASQUERADE
    bool service_jump = false;  // nat PREROUTING -j FARGO-SVC
    bool forward_jump = false;  // filter FORWARD -o up0 -j FARGO-UPLINK
    bool egress_chain = false;  // FARGO-EGRESS exists
    // filter INPUT -j FARGO-LB-IN, OUTPUT -j FARGO-LB-OUT: the load
    // balancers' security groups (RenderBalancerFilter).
    bool balancer_in_jump = false, balancer_out_jump = false;
    // FARGO-SVC's rules as this process wrote them; nullopt: not written by
    // this process (an adopted namespace's are written again).
    std::optional<std::vector<std::string>> service_rules;
    // FARGO-UPLINK written by this process (an adopted one is written again).
    bool uplink_chain = false;
    std::set<std::string> egress;  // FARGO-EGRESS's source addresses (no /32)
  };

  // The state an `iptables-save` listing (all tables) shows.
  static State Parse(std::string_view iptables_save);

  // FARGO-SVC's rules ("-A FARGO-SVC ..." lines) for these redirects to
  // `instance_address`.
  static std::vector<std::string> ServiceRules(const std::string& instance_address,
                                               const std::vector<Redirect>& redirects);

  // The `iptables-restore --noflush` input that makes `have` hold the
  // uplink's MASQUERADE, the egress chains (FARGO-UPLINK accepting
  // `service_addresses`) and, when given, FARGO-SVC with `service_rules`;
  // "" when it holds them already. `*next` is the state once it is applied.
  static std::string Plan(const State& have, const std::vector<std::string>& service_addresses,
                          const std::optional<std::vector<std::string>>& service_rules, State* next);
};

}  // namespace fargo::runtime
