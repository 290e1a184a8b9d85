// VpcFabric: fargo's own VPC networks. Every VPC is a network namespace of
// its own, so VPCs may overlap each other, the host's networks and the
// engine's; nothing of a VPC is routed on the host.
//
//   host ns                 VPC ns "fargo-<inst>-<vpc-id>"          task ns (pause)
//   fu<hash> 169.254.x.1 -- up0 169.254.x.2                          
//                            vpc0 (bridge, MTU 9001)                 
//                              10.0.1.1/24, 10.0.2.1/24 (one gateway  
//                              per subnet, at its base + 1 as AWS)   
//                            e<hash> (veth) ---------------------- eth0 10.0.1.23/24
//                                                                    default via 10.0.1.1
//
//  * the engine is asked for no network at all (NetworkMode "none"): a
//    task's ENI is a veth that fargo plumbs from the VPC's bridge into the
//    sandbox's namespace, with its subnet address, MAC, Fargate's MTU and the
//    route to its subnet's gateway. So Docker and Podman behave alike.
//  * the VPC namespace routes between its subnets (the VPC router) and sends
//    what is addressed to fargo's own services (the task endpoints at
//    169.254.170.2) up the uplink, translated to the uplink's address, so the
//    host never needs a route to a VPC address (they may overlap).
//  * namespaces are named (bind-mounted under /run/netns) and labelled by
//    their name: they survive `kill -9` of fargo, and a restarted fargo
//    adopts them; Remove() deletes one with its uplink.
//
// Blocking (netlink, short-lived namespace threads). Thread-safe: one mutex
// serialises the fabric's changes.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/netns.h"
#include "runtime/security_filter.h"
#include "runtime/vpc_rules.h"

namespace fargo::runtime {

struct EniAttachment {
  std::string vpc_id;
  std::string subnet_cidr;  // "10.0.1.0/24"
  std::string ip;           // inside subnet_cidr
  std::string mac;          // "0a:..": as shown in the ENI
  std::string eni_id;       // names the VPC side of the veth
  int sandbox_pid = 0;      // a process in the task's namespace (the pause container)
};

class VpcFabric {
 public:
  struct Options {
    // Distinguishes the namespaces of several fargo instances on one host.
    std::string instance;
    // Services of fargo's own that VPCs reach over the uplink (/32 each).
    std::vector<std::string> service_addresses{"169.254.170.2"};
    int mtu = 9001;  // a Fargate ENI's
  };

  explicit VpcFabric(Options options);

  // "fargo-<8 hex of instance>-<vpc-id>".
  std::string NamespaceOf(const std::string& vpc_id) const;

  // Creates (or adopts) the VPC's namespace, bridge and uplink, and its
  // iptables rules (VpcRules: the uplink's MASQUERADE, the egress chains,
  // FARGO-SVC when SetDefaultRedirects gave it) in one iptables-restore,
  // written only when some are missing: a VPC this process made is known to
  // hold nothing else, an adopted one is read once (iptables-save).
  Status EnsureVpc(const std::string& vpc_id);
  // Plumbs the task's ENI: veth from the VPC bridge into the sandbox's
  // namespace as eth0, with its address, MAC, MTU and default route via the
  // subnet's gateway (added to the bridge when first used).
  // REQUIRES: EnsureVpc(vpc_id) succeeded.
  Status AttachEni(const EniAttachment& eni);
  // Removes the VPC side of an ENI (the sandbox side goes with it); ok when
  // gone already (a sandbox that ended takes its veth along).
  Status DetachEni(const std::string& vpc_id, const std::string& eni_id);
  // Removes the VPC's namespace and uplink; ok when absent.
  Status RemoveVpc(const std::string& vpc_id);
  // Makes and removes a VPC: whether this process can (root, iproute2,
  // iptables). For the start-up check.
  Status Probe();
  // VPC ids of this instance's namespaces (adoption after a restart).
  std::vector<std::string> Vpcs() const;

  // The interface names used (exposed for tests): VPC side of an ENI, host
  // side of a VPC's uplink.
  static std::string VethName(const std::string& eni_id);
  // The VPC router's hardware address (its bridge's): fixed per VPC, so
  // that neighbours' caches of their gateway stay right as tasks come and go.
  static std::string RouterMac(const std::string& vpc_id);
  std::string UplinkName(const std::string& vpc_id) const;

  // ---- Egress (vpc_fabric_egress.cpp): what may leave the VPC.
  //
  // AWS decides it by route tables (internet gateway with a public IP, NAT
  // gateway); the control plane turns that into one yes/no per ENI address,
  // and the VPC's namespace enforces it: traffic out of the uplink that is
  // not for fargo's services (always allowed) nor a reply passes only from
  // addresses in the VPC's egress chain, then leaves NATed to the uplink's
  // address and again, on the host, to the host's address (the host
  // forwards for fargo's uplinks: ip_forward and two FORWARD rules). The
  // rules live in the namespace, so they survive `kill -9` of fargo.

  // Gives `ip` (an ENI address of the VPC) egress, or takes it away; at once
  // for the running task (its connections out are cut when taken away).
  // Idempotent. Giving it needs the VPC (EnsureVpc); taking it away from a
  // VPC that is gone is ok.
  Status SetEgress(const std::string& vpc_id, const std::string& ip, bool egress);
  // The addresses of the VPC that have egress, as its namespace holds them.
  Result<std::vector<std::string>> EgressAddresses(const std::string& vpc_id);

  // ---- Reaching a VPC from the host (opt-in, one VPC per address range).
  // Routes `cidrs` (the VPC's blocks) from the host via the VPC's uplink,
  // making the namespace if needed, and lets the namespace forward what the
  // host sends in. Refused (RouteConflict) when a block overlaps a route of
  // the host's or of another routed VPC. Idempotent.
  Status RouteVpc(const std::string& vpc_id, const std::vector<std::string>& cidrs);
  // Removes the host's routes to the VPC; ok when there are none.
  Status UnrouteVpc(const std::string& vpc_id);
  // The blocks routed to the VPC from the host (none: not routed).
  std::vector<std::string> RoutedCidrs(const std::string& vpc_id) const;

  // ---- Measures: time spent plumbing ENIs (AttachEni), for benchmarks.
  struct AttachStats {
    uint64_t count = 0;
    double total_ms = 0, last_ms = 0, max_ms = 0;
  };
  AttachStats attach_stats() const;

  // ---- fargo's own services in a VPC (its resolver, this instance's address)
  //
  // Inside the VPC's namespace: `local_addresses` (/32s on its lo: the
  // resolver's base + 2 and 169.254.169.253, where sockets opened in the
  // namespace listen), a route up the uplink to `instance_address` (this
  // fargo's own address on the host, unique per instance), and DNAT of each
  // of `redirects` to it (169.254.170.2:80 and the AWS names' address), in a
  // chain of its own (FARGO-SVC, rewritten whole when the redirects differ
  // from those it holds). Thus a task reaches only its own fargo, however
  // many run on the host.
  // from_ip (as the task addresses it):from_port to instance_address:to_port.
  using Redirect = VpcRules::Redirect;
  struct VpcServices {
    std::vector<std::string> local_addresses;
    std::string instance_address;
    std::vector<Redirect> redirects;
  };
  // REQUIRES: EnsureVpc(vpc_id) succeeded.
  Status EnsureVpcServices(const std::string& vpc_id, const VpcServices& services);
  // The DNAT every VPC gets as it is made (EnsureVpc), so that a VPC's rules
  // are written in one go; EnsureVpcServices asking for the same then writes
  // none. REQUIRES: before any VPC is made.
  void SetDefaultRedirects(std::string instance_address, std::vector<Redirect> redirects);
  // The VPC's namespace, for sockets opened inside it (RunInNetns).
  Result<UniqueFd> OpenVpcNetns(const std::string& vpc_id) const;

  // ---- Load balancers' addresses: /32s on the VPC namespace's lo, where
  // the load balancers' listeners (sockets opened inside) answer; tasks of
  // the subnet reach them through the bridge (ARP) and the others through
  // their gateway. Makes the VPC (EnsureVpc) when it has addresses; sets
  // exactly `ips` (those set before and not listed are removed).
  Status SetLoadBalancerAddresses(const std::string& vpc_id, const std::vector<std::string>& ips);
  // Enforces the load balancers' security groups in the VPC's namespace
  // (RenderBalancerFilter: one iptables-restore, the jumps to its chains
  // added once); `lbs` are those with security groups (none: nothing
  // filtered). Ok when the namespace is gone and `lbs` is empty.
  Status SetLoadBalancerFilter(const std::string& vpc_id, const std::vector<BalancerFilter>& lbs);
  // Whether the VPC has load balancer addresses (its namespace stays).
  bool HasLoadBalancerAddresses(const std::string& vpc_id);

 private:
  Status EnsureUplink(const std::string& vpc_id, int vpc_ns_fd);
  Status AttachEniLocked(const EniAttachment& eni);

  // A VPC's rules as this process knows them (vpc_fabric_egress.cpp).
  // REQUIRES: mu_ held.
  struct VpcState {
    std::pair<uint64_t, int64_t> netns;  // the namespace known (inode, made at): a VPC made again is new
    bool path = false;                   // default route made
    VpcRules::State rules;               // what its iptables hold
  };
  // The state of the VPC's namespace: remembered, else read (iptables-save:
  // a fargo killed earlier may have left rules). kNetnsNotFound: none.
  Result<VpcState*> StateOf(const std::string& vpc_id);
  // Remembers a namespace this process has just made: it holds no rules.
  void NoteFreshVpc(const std::string& vpc_id);
  // Writes what the VPC's rules lack (VpcRules::Plan) in one
  // iptables-restore; none when they hold it. `service_rules`: FARGO-SVC's
  // (nullopt: the default redirects', if any).
  Status EnsureRules(const std::string& vpc_id, VpcState& state,
                     const std::optional<std::vector<std::string>>& service_rules = std::nullopt);
  Status EnsureEgressPath(const std::string& vpc_id, VpcState& state);
  Status EnsureHostForwarding();

  Options options_;
  std::string prefix_;  // "fargo-<8 hex>-"
  std::mutex mu_;
  std::map<std::string, VpcState> vpcs_;       // GUARDED_BY(mu_): by VPC id, read once per namespace
  std::optional<std::vector<std::string>> default_service_rules_;  // GUARDED_BY(mu_)
  bool host_forwarding_ = false;               // GUARDED_BY(mu_)
  std::map<std::string, std::set<std::string>> lb_addresses_;  // GUARDED_BY(mu_): by VPC id
  mutable std::mutex stats_mu_;
  AttachStats attach_stats_;
};

}  // namespace fargo::runtime
