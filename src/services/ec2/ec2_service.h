// EC2 networking: VPCs, subnets, security groups and what AWS creates with
// them (default security group, default network ACL, main route table),
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
#include <vector>

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
    json::array tags;
  };
  // Creates a network interface with the next free private address of the
  // subnet. Returns the NetworkInterface document.
  Result<json::object> CreateInterface(const std::string& region, const std::string& account,
                                       const InterfaceSpec& spec);
  // Deletes an interface; InvalidNetworkInterfaceID.NotFound if unknown.
  Status DeleteInterface(const std::string& region, const std::string& eni_id);

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

 private:
  // VPCs (ec2_vpcs.cpp).
  Result<json::object> CreateVpc(CallContext& ctx, json::object& in);
  Result<json::object> DeleteVpc(CallContext& ctx, json::object& in);
  Result<json::object> DescribeVpcs(CallContext& ctx, json::object& in);
  Result<json::object> DescribeVpcAttribute(CallContext& ctx, json::object& in);
  Result<json::object> ModifyVpcAttribute(CallContext& ctx, json::object& in);
  Result<json::object> DescribeNetworkAcls(CallContext& ctx, json::object& in);
  Result<json::object> DescribeRouteTables(CallContext& ctx, json::object& in);

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
  Result<json::object> UpdateSecurityGroupRuleDescriptionsIngress(CallContext& ctx, json::object& in);
  Result<json::object> UpdateSecurityGroupRuleDescriptionsEgress(CallContext& ctx, json::object& in);

  // Network interfaces (ec2_network_interfaces.cpp).
  Result<json::object> CreateNetworkInterface(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNetworkInterface(CallContext& ctx, json::object& in);
  Result<json::object> DescribeNetworkInterfaces(CallContext& ctx, json::object& in);

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
  VpcDeletedHook vpc_deleted_;
};

}  // namespace fargo::services
