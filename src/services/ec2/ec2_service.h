// EC2 networking: VPCs, subnets, security groups and what AWS creates with
// them (default security group, default network ACL, main route table),
// route tables and routes, internet and egress-only internet gateways,
// Elastic IPs, NAT gateways, network ACLs, DHCP options sets, flow logs,
// network interfaces, tags, and the fixed region/zone geography.
//
// State is per region. Every document is kept in the model's output shape
// (member names), so Describe* hands documents out nearly as stored; members
// whose names start with '_' are internal and never reach the wire.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/task_driver.h"

#include "runtime/security_filter.h"
#include "services/ec2/filters.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class Ec2Service final : public Service {
 public:
  explicit Ec2Service(Env env);
  std::string name() const override { return "ec2"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // What a runtime needs to give a task its own interface.
  struct InterfaceSpec {
    std::string subnet_id;
    std::vector<std::string> group_ids;  // empty: the VPC's default group
    std::string description;
    std::string private_ip;  // empty: the next free address
    std::string interface_type = "interface";
    bool requester_managed = false;
    std::string requester_id;  // who manages it ("amazon-elb"); empty: not shown
    bool no_groups = false;
    std::string status = "available";  // no security groups at all (NAT gateways' interfaces)
    json::array tags;
  };
  // Creates a network interface with the next free private address of the
  // subnet. Returns the NetworkInterface document.
  Result<json::object> CreateInterface(const std::string& region, const std::string& account,
                                       const InterfaceSpec& spec);
  // Deletes an interface; InvalidNetworkInterfaceID.NotFound if unknown.
  Status DeleteInterface(const std::string& region, const std::string& eni_id);
  // Gives an interface exactly `group_ids` (none: no group at all), as
  // another service's interfaces change groups (ELBv2's SetSecurityGroups).
  // InvalidNetworkInterfaceID.NotFound / InvalidGroup.NotFound.
  Status SetInterfaceGroups(const std::string& region, const std::string& eni_id,
                            const std::vector<std::string>& group_ids);
  // The VPC of a security group ("" when there is no such group), and the
  // id of a VPC's default group ("" when none). For other services.
  std::string GroupVpc(const std::string& region, const std::string& group_id) const;
  std::string DefaultGroupId(const std::string& region, const std::string& vpc_id) const;

  // The subnet document (VpcId, AvailabilityZone, CidrBlock, ...), or null.
  // For other services on the state thread (ELBv2 resolves its subnets).
  const json::object* Subnet(const std::string& region, const std::string& subnet_id) const {
    return FindSubnet(region, subnet_id);
  }
  // The VPC document (VpcId, CidrBlock, ...), or null.
  const json::object* Vpc(const std::string& region, const std::string& id) const { return FindVpc(region, id); }
  // Called on the state thread once a VPC is deleted (its network goes).
  using VpcDeletedHook = std::function<void(const std::string& region, const std::string& vpc_id)>;
  void SetVpcDeletedHook(VpcDeletedHook hook) { vpc_deleted_ = std::move(hook); }

  // Where a subnet's traffic for 0.0.0.0/0 goes, as AWS routes it: by the
  // subnet's route table (its explicit association, else the VPC's main
  // table). An internet gateway (GatewayId igw-...) or a NAT gateway
  // (NatGatewayId nat-...) counts while the route is not a blackhole;
  // anything else (no such route, another kind of target, unknown subnet)
  // is no egress. For other services on the state thread (ECS: whether a
  // task reaches beyond its VPC). egress.cpp.
  struct Egress {
    enum class Kind { kNone, kInternetGateway, kNatGateway };
    Kind kind = Kind::kNone;
    std::string route_table_id;  // the table that decided ("" when none applies)
    std::string target;          // "igw-..." / "nat-..." ("" for none)
  };
  Egress SubnetEgress(const std::string& region, const std::string& subnet_id) const;

  // ---- Instances (ec2_instances.cpp): each one a long-running workload of
  // the task runtime (one container on its own ENI), driven through the
  // same TaskDriver seam as ECS's tasks, with an instance ARN as the "task"
  // ARN. Called on the state thread.

  // The role an instance profile (name or ARN) carries, as IAM knows it.
  struct ProfileRole {
    std::string profile_arn, profile_id, role_arn, role_name;
    std::vector<std::string> policy_arns;  // managed policies attached to the role
  };
  using ProfileResolver = std::function<std::optional<ProfileRole>(const std::string& name_or_arn)>;
  void SetProfileResolver(ProfileResolver r) { profiles_ = std::move(r); }
  // Where instances run; null: instances go straight to running (no engine).
  void SetInstanceDriver(runtime::TaskDriver* driver) { instance_driver_ = driver; }
  // Told (on the state thread) when an instance's workload is stopped (its
  // ARN, arn:aws:ec2:<region>:<account>:instance/<id>): its sessions end.
  void SetInstanceStoppingHook(std::function<void(const std::string& arn)> hook) {
    instance_stopping_ = std::move(hook);
  }
  // The container image an AMI runs as when the catalogue names none.
  void SetDefaultInstanceImage(std::string image) { default_instance_image_ = std::move(image); }
  static bool IsInstanceArn(const std::string& arn);
  // A report of the runtime about an instance's workload.
  void ApplyInstanceReport(const runtime::TaskReport& report);
  // Plans of instances whose workload should be in the engine (adoption
  // after a restart), and afterwards the stops that were under way.
  std::vector<runtime::TaskPlan> LiveInstancePlans() const;
  void ResumeInstanceStops();

  // What the instance metadata service and SSM see of an instance.
  struct InstanceInfo {
    std::string region, account, instance_id, image_id, instance_type, state;
    std::string vpc_id, subnet_id, private_ip, private_dns, mac, availability_zone, eni_id;
    std::string user_data;  // base64, as given
    std::string profile_arn, profile_id, role_arn, role_name;
    std::vector<std::string> policy_arns;
    std::string http_tokens = "optional", http_endpoint = "enabled";
    int64_t hop_limit = 1;
    std::string platform_name, platform_version;  // from the AMI ("Ubuntu", "20.04")
    int64_t launch_time_ms = 0;
    std::vector<std::string> security_groups;  // names
  };
  // The running instance of `vpc_id` at `ip`, if any.
  std::optional<InstanceInfo> InstanceAt(const std::string& vpc_id, const std::string& ip) const;
  // Every instance of the region that is not terminated.
  std::vector<InstanceInfo> Instances(const std::string& region) const;
  // The interfaces of instances whose workload may run (pending to
  // stopping), by the runtime's name for the workload: what security groups
  // filter, as ECS's LiveTaskInterfaces for tasks.
  struct InstanceInterface {
    std::string workload_arn, region, eni_id;
  };
  std::vector<InstanceInterface> LiveInstanceInterfaces() const;

  // ---- Security groups as a packet filter (ec2_security_filter.cpp).
  // The filter an interface in `group_ids` gets (sg_filter.h), with every
  // referenced group resolved to its members' addresses now. Unknown groups
  // admit nothing.
  runtime::SecurityFilter SecurityFilterOf(const std::string& region, const std::vector<std::string>& group_ids) const;
  // The groups of interface `eni_id`; nullopt when there is no such interface.
  std::optional<std::vector<std::string>> InterfaceGroups(const std::string& region, const std::string& eni_id) const;
  // Called on the state thread after anything that may change a filter:
  // rules authorized or revoked, a group deleted, an interface made or
  // deleted (membership). Cheap: the listener recomputes later.
  void SetSecurityChangeHook(std::function<void()> hook) { security_changed_ = std::move(hook); }

 private:
  void SecurityChanged() const {
    if (security_changed_) security_changed_();
  }
  // VPCs (ec2_vpcs.cpp).
  Result<json::object> CreateVpc(CallContext& ctx, json::object& in);
  Result<json::object> DeleteVpc(CallContext& ctx, json::object& in);
  Result<json::object> DescribeVpcs(CallContext& ctx, json::object& in);
  Result<json::object> DescribeVpcAttribute(CallContext& ctx, json::object& in);
  Result<json::object> ModifyVpcAttribute(CallContext& ctx, json::object& in);
  Result<json::object> DescribeNetworkAcls(CallContext& ctx, json::object& in);

  // Route tables, routes and associations (ec2_route_tables.cpp).
  Result<json::object> CreateRouteTable(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRouteTable(CallContext& ctx, json::object& in);
  Result<json::object> DescribeRouteTables(CallContext& ctx, json::object& in);
  Result<json::object> CreateRoute(CallContext& ctx, json::object& in);
  Result<json::object> ReplaceRoute(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRoute(CallContext& ctx, json::object& in);
  Result<json::object> AssociateRouteTable(CallContext& ctx, json::object& in);
  Result<json::object> DisassociateRouteTable(CallContext& ctx, json::object& in);
  Result<json::object> ReplaceRouteTableAssociation(CallContext& ctx, json::object& in);

  // Internet gateways and egress-only internet gateways (ec2_gateways.cpp).
  Result<json::object> CreateInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> DeleteInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInternetGateways(CallContext& ctx, json::object& in);
  Result<json::object> AttachInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> DetachInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> CreateEgressOnlyInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> DeleteEgressOnlyInternetGateway(CallContext& ctx, json::object& in);
  Result<json::object> DescribeEgressOnlyInternetGateways(CallContext& ctx, json::object& in);

  // Elastic IPs and NAT gateways (ec2_addresses.cpp, ec2_nat_gateways.cpp).
  Result<json::object> AllocateAddress(CallContext& ctx, json::object& in);
  Result<json::object> ReleaseAddress(CallContext& ctx, json::object& in);
  Result<json::object> DescribeAddresses(CallContext& ctx, json::object& in);
  Result<json::object> DescribeAddressesAttribute(CallContext& ctx, json::object& in);
  Result<json::object> AssociateAddress(CallContext& ctx, json::object& in);
  Result<json::object> DisassociateAddress(CallContext& ctx, json::object& in);
  Result<json::object> CreateNatGateway(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNatGateway(CallContext& ctx, json::object& in);
  Result<json::object> DescribeNatGateways(CallContext& ctx, json::object& in);

  // Network ACLs (ec2_network_acls.cpp).
  Result<json::object> CreateNetworkAcl(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNetworkAcl(CallContext& ctx, json::object& in);
  Result<json::object> CreateNetworkAclEntry(CallContext& ctx, json::object& in);
  Result<json::object> ReplaceNetworkAclEntry(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNetworkAclEntry(CallContext& ctx, json::object& in);
  Result<json::object> ReplaceNetworkAclAssociation(CallContext& ctx, json::object& in);

  // DHCP options sets and flow logs (ec2_dhcp_flow_logs.cpp).
  Result<json::object> CreateDhcpOptions(CallContext& ctx, json::object& in);
  Result<json::object> DeleteDhcpOptions(CallContext& ctx, json::object& in);
  Result<json::object> DescribeDhcpOptions(CallContext& ctx, json::object& in);
  Result<json::object> AssociateDhcpOptions(CallContext& ctx, json::object& in);
  Result<json::object> CreateFlowLogs(CallContext& ctx, json::object& in);
  Result<json::object> DeleteFlowLogs(CallContext& ctx, json::object& in);
  Result<json::object> DescribeFlowLogs(CallContext& ctx, json::object& in);

  // Subnets (ec2_subnets.cpp).
  Result<json::object> CreateSubnet(CallContext& ctx, json::object& in);
  Result<json::object> DeleteSubnet(CallContext& ctx, json::object& in);
  Result<json::object> DescribeSubnets(CallContext& ctx, json::object& in);
  Result<json::object> ModifySubnetAttribute(CallContext& ctx, json::object& in);

  // Security groups (ec2_security_groups.cpp).
  Result<json::object> CreateSecurityGroup(CallContext& ctx, json::object& in);
  Result<json::object> DeleteSecurityGroup(CallContext& ctx, json::object& in);
  Result<json::object> DescribeSecurityGroups(CallContext& ctx, json::object& in);
  Result<json::object> AuthorizeSecurityGroupIngress(CallContext& ctx, json::object& in);
  Result<json::object> AuthorizeSecurityGroupEgress(CallContext& ctx, json::object& in);
  Result<json::object> RevokeSecurityGroupIngress(CallContext& ctx, json::object& in);
  Result<json::object> RevokeSecurityGroupEgress(CallContext& ctx, json::object& in);
  Result<json::object> DescribeSecurityGroupRules(CallContext& ctx, json::object& in);
  Result<json::object> ModifySecurityGroupRules(CallContext& ctx, json::object& in);
  Result<json::object> UpdateSecurityGroupRuleDescriptionsIngress(CallContext& ctx, json::object& in);
  Result<json::object> UpdateSecurityGroupRuleDescriptionsEgress(CallContext& ctx, json::object& in);

  // Network interfaces (ec2_network_interfaces.cpp).
  Result<json::object> CreateNetworkInterface(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNetworkInterface(CallContext& ctx, json::object& in);
  Result<json::object> DescribeNetworkInterfaces(CallContext& ctx, json::object& in);

  // Instances, images and volumes (ec2_instances.cpp, ec2_images.cpp).
  Result<json::object> RunInstances(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInstances(CallContext& ctx, json::object& in);
  Result<json::object> StartInstances(CallContext& ctx, json::object& in);
  Result<json::object> StopInstances(CallContext& ctx, json::object& in);
  Result<json::object> TerminateInstances(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInstanceStatus(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInstanceAttribute(CallContext& ctx, json::object& in);
  Result<json::object> ModifyInstanceAttribute(CallContext& ctx, json::object& in);
  Result<json::object> ModifyInstanceMetadataOptions(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInstanceCreditSpecifications(CallContext& ctx, json::object& in);
  Result<json::object> DescribeVolumes(CallContext& ctx, json::object& in);
  Result<json::object> DescribeInstanceTypes(CallContext& ctx, json::object& in);
  Result<json::object> DescribeImages(CallContext& ctx, json::object& in);
  // The instance's document as Describe shows it (no internal members).
  json::object InstanceView(const json::object& inst) const;
  // Moves an instance to `state` (AWS's name), with a reason; stores it.
  Status SetInstanceState(const std::string& key, json::object inst, const std::string& state,
                          const std::string& reason_code = "", const std::string& reason_message = "");
  // The workload of an instance, for the runtime.
  Result<runtime::TaskPlan> InstancePlan(const std::string& region, const json::object& inst, bool first_boot);
  // Launches the workload (or, without a driver, runs at once).
  Status BootInstance(const std::string& key, json::object inst, bool first_boot);
  InstanceInfo InfoOf(const json::object& inst) const;

  // Geography, account and tags (ec2_service.cpp).
  Result<json::object> DescribeAvailabilityZones(CallContext& ctx, json::object& in);
  Result<json::object> DescribeRegions(CallContext& ctx, json::object& in);
  Result<json::object> DescribeAccountAttributes(CallContext& ctx, json::object& in);
  Result<json::object> CreateTags(CallContext& ctx, json::object& in);
  Result<json::object> DeleteTags(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTags(CallContext& ctx, json::object& in);

  // ---- shared helpers ----

  // A new id: `prefix` + "-" + 17 hex digits.
  std::string NewId(const std::string& prefix);
  // Tags from TagSpecifications for `resource_type` (or untyped specs).
  static json::array TagsFor(const json::object& in, const std::string& resource_type);

  // Selects the region's documents of `coll` for a Describe call: those named
  // by `ids` (all when absent; an unknown id fails with `missing(id)`), then
  // those matching `filters`, each passed through `view`.
  Result<json::array> Select(const store::Collection& coll, const std::string& region,
                             const json::array* ids, const std::function<AwsError(const std::string&)>& missing,
                             const std::vector<ec2::Filter>& filters,
                             const std::function<ec2::FilterFields(const json::object&)>& fields,
                             const std::function<json::object(const json::object&)>& view);

  // The page of `items` the request asks for (MaxResults / NextToken), as
  // the output {member: page, NextToken: ... if more remain}.
  static Result<json::object> Page(const json::object& in, json::array items, const char* member);

  // The collection holding ids of this kind ("vpc-..." -> vpcs_), its
  // resource type name and its NotFound error; null for unknown kinds.
  struct Kind {
    store::Collection* coll;
    std::string resource_type;
    std::string tags_member;  // "Tags", or "TagSet" for interfaces
    AwsError (*missing)(const std::string& id);
  };
  std::optional<Kind> KindOf(const std::string& id);

  // Views and filter fields per resource. Fields are computed from the view
  // (what Describe* returns), as Select passes it.
  json::object VpcView(const json::object& vpc) const;
  ec2::FilterFields VpcFields(const json::object& vpc) const;
  json::object SubnetView(const std::string& region, const json::object& subnet) const;
  ec2::FilterFields SubnetFields(const json::object& subnet) const;
  json::object AclView(const std::string& region, const json::object& acl) const;
  ec2::FilterFields AclFields(const json::object& view) const;
  ec2::FilterFields RouteTableFields(const json::object& rtb) const;
  // The route table with each route's State as it is now: routes whose
  // target is gone are blackholes. Stored documents are kept so (see
  // RefreshRouteStates), and Describe hands them out as stored.
  json::object RouteTableView(const std::string& region, const json::object& rtb) const;
  // true if the route's target exists and serves `vpc_id` (an attached
  // internet gateway, a pending or available NAT gateway, an interface...).
  bool RouteActive(const std::string& region, const std::string& vpc_id, const json::object& route) const;
  // Stores every route's State (active / blackhole) as it now is, so the
  // stored RouteTable documents stay what Describe shows. Called whenever a
  // route target comes or goes.
  Status RefreshRouteStates(const std::string& region);
  json::object NatView(const json::object& nat) const;
  // The default DHCP options set of the region as AWS describes it.
  json::object DefaultDhcpOptions(const std::string& region, const std::string& id) const;
  json::object GroupView(const json::object& sg) const;
  ec2::FilterFields GroupFields(const json::object& sg) const;
  ec2::FilterFields InterfaceFields(const json::object& eni) const;

  // Lookups in the region; null if absent.
  const json::object* FindVpc(const std::string& region, const std::string& id) const;
  const json::object* FindSubnet(const std::string& region, const std::string& id) const;
  const json::object* FindGroup(const std::string& region, const std::string& id) const;
  // The group named `name` in `vpc_id` (any VPC when empty).
  const json::object* FindGroupByName(const std::string& region, const std::string& vpc_id,
                                      const std::string& name) const;
  // The group an operation addresses by GroupId or GroupName.
  Result<const json::object*> ResolveGroup(const std::string& region, const json::object& in);
  // The route table explicitly associated with the subnet, else the VPC's
  // main one; null if neither.
  const json::object* RouteTableOfSubnet(const std::string& region, const std::string& subnet_id) const;
  // The route table (its store key) holding association `assoc_id`, and the
  // association; an empty key when there is none.
  std::pair<std::string, json::object> FindAssociation(const std::string& region, const std::string& assoc_id) const;
  // Maps Elastic IP `alloc_id` to `private_ip` (the primary address when
  // empty) of interface `eni_id`; both must exist. Unbind undoes it (no-op if
  // unmapped).
  Status BindAddress(const std::string& region, const std::string& alloc_id, const std::string& eni_id,
                     const std::string& private_ip, std::string* association_id);
  Status UnbindAddress(const std::string& region, const std::string& alloc_id);
  // Checks that a route's target (`member` = `value`) exists and belongs to
  // the network of `rtb`, for a destination of `dest_member`.
  Status CheckRouteTarget(const std::string& region, const json::object& rtb, const std::string& dest_member,
                          const std::string& member, const std::string& value) const;
  // The network ACL a subnet is associated with (its VPC's default unless
  // replaced).
  std::string AclOfSubnet(const std::string& region, const json::object& subnet) const;
  // The default entries of a new network ACL: the deny-all rules (and, for
  // the default ACL, the allow-all rules), for IPv6 too when the VPC has it.
  static json::array InitialAclEntries(bool is_default, bool ipv6);
  // Number of interfaces in a subnet.
  int64_t InterfacesIn(const std::string& region, const std::string& subnet_id) const;

  // Authorize/Revoke for both directions.
  Result<json::object> Authorize(CallContext& ctx, json::object& in, bool egress);
  Result<json::object> Revoke(CallContext& ctx, json::object& in, bool egress);
  Result<json::object> UpdateDescriptions(CallContext& ctx, json::object& in, bool egress);
  // The request's permissions: IpPermissions, or the legacy flat members.
  static json::array PermissionsOf(const json::object& in);

  static const HandlerTable<Ec2Service>& Table();

  Env env_;
  store::Collection vpcs_;           // Vpc (+ _Attributes)
  store::Collection subnets_;        // Subnet (+ _AclAssociationId)
  store::Collection groups_;         // SecurityGroup without permissions (+ _Rules)
  store::Collection acls_;           // NetworkAcl without associations
  store::Collection route_tables_;   // RouteTable
  store::Collection interfaces_;     // NetworkInterface
  store::Collection meta_;           // per region: {"DhcpOptionsId": ...}
  store::Collection igws_;           // InternetGateway
  store::Collection eigws_;          // EgressOnlyInternetGateway
  store::Collection addresses_;      // Address, keyed by AllocationId
  store::Collection nat_gateways_;   // NatGateway (+ _ReadyAt, _GoneAt ms)
  store::Collection dhcp_options_;   // DhcpOptions
  store::Collection flow_logs_;      // FlowLog
  VpcDeletedHook vpc_deleted_;
  store::Collection instances_;      // Instance (+ _Region, _Account, _ReservationId, _Attributes, _Plan, ...)
  ProfileResolver profiles_;
  runtime::TaskDriver* instance_driver_ = nullptr;
  std::function<void(const std::string& arn)> instance_stopping_;
  // Stops an instance's workload through the driver, telling the hook first.
  void StopWorkload(const std::string& arn);
  std::string default_instance_image_ = "docker.io/library/debian:buster-20230411-slim";

  std::function<void()> security_changed_;
};

}  // namespace fargo::services
