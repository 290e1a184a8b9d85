// ELBv2 control plane: load balancers, target groups, listeners (with their
// default rules), listener rules, attributes, tags and target
// registration/health.
//
// State is per region. Each resource is one document of a store::Collection
// keyed Key(region, ARN):
//   elbv2.load_balancers {lb: <LoadBalancer>, createdMs, attributes: {k: v}, tags: {k: v}}
//   elbv2.target_groups  {tg: <TargetGroup>, attributes, tags, targets: [<Target>]}
//   elbv2.listeners      {listener: <Listener>, attributes, tags, ruleArn, ruleTags,
//                         sniCertificates: [arn]}  (AddListenerCertificates)
//   elbv2.rules          a ListenerRule (elbv2_rule.h): rules made by CreateRule
// The default rule of a listener is its document's ruleArn, ruleTags and
// DefaultActions.
// A TargetGroup's LoadBalancerArns is not stored: it is derived from the
// listeners forwarding to it. A load balancer is "provisioning" for its first
// 500 ms (injected clock) and "active" afterwards, evaluated on read.
//
// Each load balancer has one network interface per subnet (EC2's, through
// the interface hooks: the same allocator as tasks' ENIs), whose addresses
// are the stored document's "enis" [{SubnetId, NetworkInterfaceId, ip}] and
// "addresses" members. The data plane (src/dataplane/lb) gets Plan() after
// each change (the plan hook) and reports targets' health through
// SetTargetHealth: registered targets are "initial" until it does, and
// "unused" while no load balancer uses their target group.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/elbv2/elbv2_plan.h"
#include "services/elbv2/elbv2_rule.h"
#include "services/service.h"
#include "store/collection.h"
#include "store/typed_collection.h"

namespace fargo::services {

class Elbv2Service final : public Service {
 public:
  // What EC2 knows of a subnet. Without a resolver (or when it answers
  // nullopt) the Availability Zone is derived from the subnet's position
  // (REGION + a, b, c, ...) and the VPC id from the subnet id.
  struct SubnetInfo {
    std::string zone_name;
    std::string vpc_id;
  };
  using SubnetResolver =
      std::function<std::optional<SubnetInfo>(const std::string& region, const std::string& subnet_id)>;

  explicit Elbv2Service(Env env);
  std::string name() const override { return "elbv2"; }
  Status Start() override;
  void Tick() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  void SetSubnetResolver(SubnetResolver r) { subnet_resolver_ = std::move(r); }
  // The IPv4 blocks of a VPC (none: unknown VPC, targets not checked).
  using VpcCidrResolver = std::function<std::vector<std::string>(const std::string& region, const std::string& vpc_id)>;
  void SetVpcCidrResolver(VpcCidrResolver r) { vpc_cidrs_ = std::move(r); }
  // Whether `ip` lies in one of `cidrs` ("10.0.0.0/16"). elbv2_addresses.cpp.
  static bool InAnyCidr(const std::string& ip, const std::vector<std::string>& cidrs);

  // A load balancer's network interface in one subnet (made by EC2).
  struct InterfaceRequest {
    std::string region, account, subnet_id, description, interface_type, private_ip;
    std::vector<std::string> security_groups;  // none: no group at all (an NLB made without)
  };
  struct Interface {
    std::string eni_id, ip;
  };
  using InterfaceCreator = std::function<Result<Interface>(const InterfaceRequest&)>;
  using InterfaceDeleter = std::function<void(const std::string& region, const std::string& eni_id)>;
  // Without them load balancers have no addresses (unit tests).
  void SetInterfaceHooks(InterfaceCreator create, InterfaceDeleter remove) {
    create_interface_ = std::move(create);
    delete_interface_ = std::move(remove);
  }
  // Gives a load balancer's interface other security groups (SetSecurityGroups).
  using InterfaceGroupsSetter = std::function<Status(const std::string& region, const std::string& eni_id,
                                                     const std::vector<std::string>& group_ids)>;
  void SetInterfaceGroupsHook(InterfaceGroupsSetter set) { set_interface_groups_ = std::move(set); }

  // What EC2 knows of security groups. Without them (unit tests) groups are
  // taken as given, an application load balancer gets none by default and
  // the plan carries open filters.
  struct SecurityGroupHooks {
    // The VPC of a group ("" : no such group).
    std::function<std::string(const std::string& region, const std::string& group_id)> group_vpc;
    // The id of a VPC's default group ("" : none).
    std::function<std::string(const std::string& region, const std::string& vpc_id)> default_group;
    // What an interface in these groups admits, members resolved now.
    std::function<runtime::SecurityFilter(const std::string& region, const std::vector<std::string>& group_ids)>
        filter;
  };
  void SetSecurityGroupHooks(SecurityGroupHooks hooks) { sg_hooks_ = std::move(hooks); }

  // What the data plane serves: network and application load balancers
  // with their addresses and listeners (an application load balancer's with
  // its rules by priority, the default last), and the target groups those
  // forward to.
  elbv2::DataPlanePlan Plan() const;
  // Called (on the state thread) after each call that may have changed
  // Plan(), after Start and when a draining target is forgotten.
  void SetPlanHook(std::function<void()> hook) { plan_changed_ = std::move(hook); }
  // ACM's certificates, by ARN (nullopt: none such). Without a resolver
  // certificate ARNs are not checked and listeners serve none (unit tests).
  using CertificateResolver = std::function<std::optional<elbv2::ListenerCertificate>(const std::string& arn)>;
  void SetCertificateResolver(CertificateResolver r) { certificates_ = std::move(r); }
  // The load balancers whose listeners use certificate `arn` (default or
  // added), for ACM's InUseBy and DeleteCertificate.
  std::vector<std::string> LoadBalancersUsingCertificate(const std::string& arn) const;
  // A certificate's material changed (ACM re-import): the plan is given again.
  void CertificatesChanged() {
    if (plan_changed_) plan_changed_();
  }

  // Scales the fixed waits AWS's load balancers impose (health check
  // interval, its timeout capped by it; deregistration delay) by `factor` (0 < f <= 1),
  // for a faster development loop; what is described stays as configured.
  void SetWaitScale(double factor) { wait_scale_ = factor; }

  // Each load balancer's DNSName (lower case) in its VPC, with the
  // addresses it answers: the "addresses" member of its stored document
  // (["10.0.1.9", ...]), which the data plane that gives load balancers
  // addresses in their subnets fills; none until then.
  struct LoadBalancerDns {
    std::string region, vpc_id, dns_name;
    std::vector<std::string> addresses;
  };
  std::vector<LoadBalancerDns> LoadBalancerDnsNames() const;
  // Called (on the state thread) after each call that may have changed
  // what LoadBalancerDnsNames returns, and after Start.
  void SetChangeHook(std::function<void()> hook) { changed_ = std::move(hook); }

  // For ECS services behind load balancers (on the state thread): registers
  // ip:port in the target group (idempotent; cancels a drain), deregisters
  // it (draining while the group is in use), and the state
  // DescribeTargetHealth shows for it ("" when not registered).
  Status RegisterTarget(const std::string& region, const std::string& target_group_arn, const std::string& ip,
                        int64_t port);
  Status DeregisterTarget(const std::string& region, const std::string& target_group_arn, const std::string& ip,
                          int64_t port);
  std::string TargetState(const std::string& region, const std::string& target_group_arn, const std::string& ip,
                          int64_t port) const;

  // Sets the health a data plane observed for a registered target
  // (state: healthy | unhealthy | unavailable | ...; reason/description may
  // be empty). Fails with InvalidTarget if the target is not registered.
  Status SetTargetHealth(const std::string& region, const std::string& target_group_arn,
                         const std::string& target_id, int64_t port, const std::string& state,
                         const std::string& reason, const std::string& description);

 private:
  // Load balancers (elbv2_service.cpp).
  Result<json::object> CreateLoadBalancer(CallContext& ctx, json::object& in);
  Result<json::object> DescribeLoadBalancers(CallContext& ctx, json::object& in);
  Result<json::object> DeleteLoadBalancer(CallContext& ctx, json::object& in);
  Result<json::object> DescribeLoadBalancerAttributes(CallContext& ctx, json::object& in);
  Result<json::object> ModifyLoadBalancerAttributes(CallContext& ctx, json::object& in);
  Result<json::object> SetSecurityGroups(CallContext& ctx, json::object& in);
  Result<json::object> SetSubnets(CallContext& ctx, json::object& in);
  Result<json::object> SetIpAddressType(CallContext& ctx, json::object& in);
  Result<json::object> DescribeCapacityReservation(CallContext& ctx, json::object& in);
  Result<json::object> AddTags(CallContext& ctx, json::object& in);
  Result<json::object> RemoveTags(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTags(CallContext& ctx, json::object& in);
  Result<json::object> DescribeAccountLimits(CallContext& ctx, json::object& in);

  // Target groups and targets (elbv2_target_groups.cpp).
  Result<json::object> CreateTargetGroup(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTargetGroups(CallContext& ctx, json::object& in);
  Result<json::object> ModifyTargetGroup(CallContext& ctx, json::object& in);
  Result<json::object> DeleteTargetGroup(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTargetGroupAttributes(CallContext& ctx, json::object& in);
  Result<json::object> ModifyTargetGroupAttributes(CallContext& ctx, json::object& in);
  Result<json::object> RegisterTargets(CallContext& ctx, json::object& in);
  Result<json::object> DeregisterTargets(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTargetHealth(CallContext& ctx, json::object& in);

  // Listeners and rules (elbv2_listeners.cpp).
  Result<json::object> CreateListener(CallContext& ctx, json::object& in);
  Result<json::object> DescribeListeners(CallContext& ctx, json::object& in);
  Result<json::object> ModifyListener(CallContext& ctx, json::object& in);
  Result<json::object> DeleteListener(CallContext& ctx, json::object& in);
  Result<json::object> DescribeListenerAttributes(CallContext& ctx, json::object& in);
  Result<json::object> ModifyListenerAttributes(CallContext& ctx, json::object& in);
  Result<json::object> DescribeListenerCertificates(CallContext& ctx, json::object& in);
  Result<json::object> AddListenerCertificates(CallContext& ctx, json::object& in);
  Result<json::object> RemoveListenerCertificates(CallContext& ctx, json::object& in);
  // The predefined security policies (elbv2_ssl_policies.h).
  Result<json::object> DescribeSSLPolicies(CallContext& ctx, json::object& in);
  // CertificateNotFound unless ACM has every CertificateArn of `certs`.
  Status CheckCertificates(const json::array& certs) const;

  // Rules (elbv2_rules.cpp).
  Result<json::object> CreateRule(CallContext& ctx, json::object& in);
  Result<json::object> ModifyRule(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRule(CallContext& ctx, json::object& in);
  Result<json::object> SetRulePriorities(CallContext& ctx, json::object& in);
  Result<json::object> DescribeRules(CallContext& ctx, json::object& in);
  // Keys of the rules of a listener, by priority.
  std::vector<std::string> RuleKeysOf(const std::string& region, const std::string& listener_arn) const;
  // The listener document whose default rule is `rule_arn` (null: none).
  const json::object* ListenerOfDefaultRule(const std::string& region, const std::string& rule_arn) const;
  // Validates and normalises a rule's actions for the listener of `listener_doc`.
  Result<json::array> NormalizeRuleActions(const std::string& region, const json::object& listener_doc,
                                           const json::array& actions) const;

  // The LoadBalancer as the API shows it (State evaluated now).
  json::object LoadBalancerView(const json::object& doc) const;
  // The TargetGroup as the API shows it (LoadBalancerArns derived).
  json::object TargetGroupView(const std::string& region, const json::object& doc) const;
  // ARNs of the load balancers whose listeners forward to `tg_arn`.
  std::vector<std::string> LoadBalancersUsing(const std::string& region, const std::string& tg_arn) const;
  // Listener keys of a load balancer.
  std::vector<std::string> ListenerKeysOf(const std::string& region, const std::string& lb_arn) const;
  // Validates and normalises DefaultActions for a listener of `lb_doc`.
  Result<json::array> NormalizeActions(const std::string& region, const json::object& lb_doc,
                                       const json::array& actions) const;
  // Security groups given for a load balancer of `vpc_id`, checked as
  // ELBv2 does (InvalidSecurityGroup: unknown, or of another VPC).
  Result<json::array> CheckSecurityGroups(const std::string& region, const std::string& vpc_id,
                                          const json::array& given) const;
  // Availability Zones for subnets/subnet mappings; sets `vpc_id`.
  Result<json::array> ResolveZones(const std::string& region, const json::object& in, std::string& vpc_id) const;
  // The tag map of any ELBv2 resource ARN, or the resource's NotFound error.
  Result<store::Collection*> CollectionOfArn(const std::string& arn, std::string& tags_member);

  // The one implementation of Describe/Modify{LoadBalancer,TargetGroup,
  // Listener}Attributes: the resource `arn_member` of the input names in
  // `coll`, its "attributes" member; `what` names the kind in messages.
  struct AttributeOwner {
    store::Collection& coll;
    const char* arn_member;  // "LoadBalancerArn", ...
    const char* what;        // "Load balancer", ...
    AwsError (*not_found)();
  };
  Result<json::object> DescribeAttributes(const AttributeOwner& owner, const CallContext& ctx, const json::object& in);
  Result<json::object> ModifyAttributes(const AttributeOwner& owner, const CallContext& ctx, const json::object& in);
  // Registered targets still visible (draining ones until their delay ends).
  json::array LiveTargets(const json::object& tg_doc) const;

  static const HandlerTable<Elbv2Service>& Table();

  // Gives each zone of `zones` lacking one an interface in its subnet
  // (reusing those of `old_enis` for subnets kept) and fills `enis`,
  // `addresses` and, for network load balancers, LoadBalancerAddresses.
  // Interfaces made are deleted again on failure. elbv2_addresses.cpp.
  Status AllocateInterfaces(const CallContext& ctx, const json::object& lb, json::array& zones,
                            const json::array& old_enis, json::array& enis, json::array& addresses);
  // Deletes the interfaces of `enis` whose subnet is not in `keep`.
  void ReleaseInterfaces(const std::string& region, const json::array& enis, const json::array& keep_zones);

  Env env_;
  store::Collection lbs_;
  store::Collection tgs_;
  store::Collection listeners_;
  store::TypedCollection<elbv2::ListenerRule> rules_;
  SubnetResolver subnet_resolver_;
  CertificateResolver certificates_;
  VpcCidrResolver vpc_cidrs_;
  std::function<void()> changed_;
  std::function<void()> plan_changed_;
  double wait_scale_ = 1.0;
  InterfaceCreator create_interface_;
  InterfaceDeleter delete_interface_;
  InterfaceGroupsSetter set_interface_groups_;
  SecurityGroupHooks sg_hooks_;
};

}  // namespace fargo::services
