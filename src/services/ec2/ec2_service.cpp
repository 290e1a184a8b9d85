#include "services/ec2/ec2_service.h"

#include "common/pager.h"
#include "common/strings.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/regions.h"

namespace fargo::services {

using store::Collection;

Ec2Service::Ec2Service(Env env)
    : env_(env),
      vpcs_(env.store, "ec2.vpcs"),
      subnets_(env.store, "ec2.subnets"),
      groups_(env.store, "ec2.security_groups"),
      acls_(env.store, "ec2.network_acls"),
      route_tables_(env.store, "ec2.route_tables"),
      interfaces_(env.store, "ec2.network_interfaces"),
      meta_(env.store, "ec2.meta"),
      igws_(env.store, "ec2.internet_gateways"),
      eigws_(env.store, "ec2.egress_only_internet_gateways"),
      addresses_(env.store, "ec2.addresses"),
      nat_gateways_(env.store, "ec2.nat_gateways"),
      dhcp_options_(env.store, "ec2.dhcp_options"),
      flow_logs_(env.store, "ec2.flow_logs"),
      instances_(env.store, "ec2.instances") {}

Status Ec2Service::Start() {
  for (Collection* c : {&vpcs_, &subnets_, &groups_, &acls_, &route_tables_, &interfaces_, &meta_, &igws_,
                        &eigws_, &addresses_, &nat_gateways_, &dhcp_options_, &flow_logs_, &instances_})
    FARGO_TRY(c->Load());
  return OkStatus();
}

Result<json::object> Ec2Service::Invoke(CallContext& ctx, json::object& input) {
  if (GetBool(input, "DryRun"))
    return AwsError::Make("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
  return Table().Dispatch(this, ctx, input);
}

// ---- shared helpers ---------------------------------------------------------

std::string Ec2Service::NewId(const std::string& prefix) { return prefix + "-" + env_.ids.Hex(17); }

json::array Ec2Service::TagsFor(const json::object& in, const std::string& resource_type) {
  json::array tags;
  const json::array* specs = GetArray(in, "TagSpecifications");
  if (!specs) return tags;
  for (const auto& s : *specs) {
    if (!s.is_object()) continue;
    std::string type = GetString(s.as_object(), "ResourceType");
    if (!type.empty() && type != resource_type) continue;
    if (const json::array* t = GetArray(s.as_object(), "Tags"))
      for (const auto& tag : *t) tags.push_back(tag);
  }
  return tags;
}

Result<json::array> Ec2Service::Select(const Collection& coll, const std::string& region,
                                       const json::array* ids,
                                       const std::function<AwsError(const std::string&)>& missing,
                                       const std::vector<ec2::Filter>& filters,
                                       const std::function<ec2::FilterFields(const json::object&)>& fields,
                                       const std::function<json::object(const json::object&)>& view) {
  std::vector<const json::object*> docs;
  if (ids && !ids->empty()) {
    std::set<std::string> seen;
    for (const auto& idv : *ids) {
      if (!idv.is_string()) continue;
      std::string id(idv.as_string());
      const json::object* d = coll.Find(Collection::Key(region, id));
      if (!d) return missing(id);
      if (seen.insert(id).second) docs.push_back(d);
    }
  } else {
    coll.ForEachPrefix(region + "/", [&](const std::string&, const json::object& d) { docs.push_back(&d); });
  }
  json::array out;
  for (const json::object* d : docs) {
    json::object v = view(*d);
    if (ec2::Matches(filters, fields(v))) out.push_back(std::move(v));
  }
  return out;
}

Result<json::object> Ec2Service::Page(const json::object& in, json::array items, const char* member) {
  size_t start = 0;
  if (std::string token = GetString(in, "NextToken"); !token.empty()) {
    auto at = ParsePageToken(token);
    if (!at || *at > items.size())
      return AwsError::Make("InvalidPaginationToken", "The token '" + token + "' is invalid.");
    start = *at;
  }
  int64_t max = GetInt(in, "MaxResults", 0);
  PageSpan span = PageAt(items.size(), start, max > 0 ? static_cast<size_t>(max) : items.size());
  json::array page;
  for (size_t i = span.begin; i < span.end; ++i) page.push_back(std::move(items[i]));
  json::object out{{member, std::move(page)}};
  if (!span.next_token.empty()) out["NextToken"] = span.next_token;
  return out;
}

std::optional<Ec2Service::Kind> Ec2Service::KindOf(const std::string& id) {
  if (StartsWith(id, "vpc-")) return Kind{&vpcs_, "vpc", "Tags", &ec2::VpcNotFound};
  if (StartsWith(id, "subnet-")) return Kind{&subnets_, "subnet", "Tags", &ec2::SubnetNotFound};
  if (StartsWith(id, "sg-")) return Kind{&groups_, "security-group", "Tags", &ec2::GroupNotFound};
  if (StartsWith(id, "acl-")) return Kind{&acls_, "network-acl", "Tags", &ec2::AclNotFound};
  if (StartsWith(id, "rtb-")) return Kind{&route_tables_, "route-table", "Tags", &ec2::RouteTableNotFound};
  if (StartsWith(id, "eni-")) return Kind{&interfaces_, "network-interface", "TagSet", &ec2::InterfaceNotFound};
  if (StartsWith(id, "igw-")) return Kind{&igws_, "internet-gateway", "Tags", &ec2::GatewayNotFound};
  if (StartsWith(id, "eigw-"))
    return Kind{&eigws_, "egress-only-internet-gateway", "Tags", &ec2::EgressGatewayNotFound};
  if (StartsWith(id, "eipalloc-")) return Kind{&addresses_, "elastic-ip", "Tags", &ec2::AllocationNotFound};
  if (StartsWith(id, "nat-")) return Kind{&nat_gateways_, "natgateway", "Tags", &ec2::NatGatewayNotFound};
  if (StartsWith(id, "dopt-")) return Kind{&dhcp_options_, "dhcp-options", "Tags", &ec2::DhcpOptionsNotFound};
  if (StartsWith(id, "fl-")) return Kind{&flow_logs_, "vpc-flow-log", "Tags", &ec2::FlowLogNotFound};
  if (StartsWith(id, "i-")) return Kind{&instances_, "instance", "Tags", &ec2::InstanceNotFound};
  return std::nullopt;
}

// ---- geography and account ----------------------------------------------------

Result<json::object> Ec2Service::DescribeAvailabilityZones(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"zone-name", "zone-id", "state", "region-name", "zone-type",
                                                "opt-in-status", "group-name", "message", "group-long-name"}));
  std::set<std::string> names, ids;
  if (auto* a = GetArray(in, "ZoneNames"))
    for (const auto& v : *a)
      if (v.is_string()) names.insert(std::string(v.as_string()));
  if (auto* a = GetArray(in, "ZoneIds"))
    for (const auto& v : *a)
      if (v.is_string()) ids.insert(std::string(v.as_string()));
  auto zones = ec2::ZonesOf(ctx.region);
  for (const auto& n : names) {
    bool known = false;
    for (const auto& z : zones) known |= z.name == n;
    if (!known)
      return AwsError::Make("InvalidParameterValue", "The zone '" + n + "' does not exist.");
  }
  json::array out;
  for (const auto& z : zones) {
    if ((!names.empty() || !ids.empty()) && !names.count(z.name) && !ids.count(z.id)) continue;
    json::object o{{"ZoneName", z.name},         {"ZoneId", z.id},
                   {"State", "available"},       {"RegionName", ctx.region},
                   {"ZoneType", "availability-zone"}, {"OptInStatus", "opt-in-not-required"},
                   {"GroupName", ctx.region},    {"NetworkBorderGroup", ctx.region},
                   {"GroupLongName", ctx.region}, {"Messages", json::array()}};
    ec2::FilterFields f{{"zone-name", z.name},
                        {"zone-id", z.id},
                        {"state", "available"},
                        {"region-name", ctx.region},
                        {"zone-type", "availability-zone"},
                        {"opt-in-status", "opt-in-not-required"},
                        {"group-name", ctx.region},
                        {"group-long-name", ctx.region}};
    if (ec2::Matches(filters, f)) out.push_back(std::move(o));
  }
  return json::object{{"AvailabilityZones", std::move(out)}};
}

Result<json::object> Ec2Service::DescribeRegions(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"region-name", "endpoint", "opt-in-status"}));
  std::set<std::string> names;
  if (auto* a = GetArray(in, "RegionNames"))
    for (const auto& v : *a)
      if (v.is_string()) names.insert(std::string(v.as_string()));
  for (const auto& n : names) {
    bool known = false;
    for (const auto& r : ec2::CommercialRegions()) known |= r.name == n;
    if (!known) return AwsError::Make("InvalidParameterValue", "Invalid region names: '" + n + "'");
  }
  json::array out;
  for (const auto& r : ec2::CommercialRegions()) {
    if (!names.empty() && !names.count(r.name)) continue;
    std::string endpoint = "ec2." + r.name + ".amazonaws.com";
    ec2::FilterFields f{{"region-name", r.name}, {"endpoint", endpoint}, {"opt-in-status", r.opt_in}};
    if (!ec2::Matches(filters, f)) continue;
    out.push_back(json::object{{"RegionName", r.name}, {"Endpoint", endpoint}, {"OptInStatus", r.opt_in}});
  }
  (void)ctx;
  return json::object{{"Regions", std::move(out)}};
}

Result<json::object> Ec2Service::DescribeAccountAttributes(CallContext& ctx, json::object& in) {
  static const std::pair<const char*, std::vector<const char*>> kAttributes[] = {
      {"supported-platforms", {"VPC"}},
      {"default-vpc", {"none"}},
      {"max-instances", {"20"}},
      {"vpc-max-security-groups-per-interface", {"5"}},
      {"max-elastic-ips", {"5"}},
      {"vpc-max-elastic-ips", {"5"}},
  };
  std::set<std::string> wanted;
  if (auto* a = GetArray(in, "AttributeNames"))
    for (const auto& v : *a)
      if (v.is_string()) wanted.insert(std::string(v.as_string()));
  json::array out;
  for (const auto& [name, values] : kAttributes) {
    if (!wanted.empty() && !wanted.count(name)) continue;
    json::array vals;
    for (const char* v : values) vals.push_back(json::object{{"AttributeValue", v}});
    out.push_back(json::object{{"AttributeName", name}, {"AttributeValues", std::move(vals)}});
  }
  (void)ctx;
  return json::object{{"AccountAttributes", std::move(out)}};
}

// ---- tags -----------------------------------------------------------------------

namespace {

// Checks every id names an existing resource before any tag changes.
template <typename KindOfFn>
Status CheckResources(const json::array* resources, const std::string& region, KindOfFn&& kind_of) {
  if (!resources || resources->empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter resourceIdSet");
  for (const auto& r : *resources) {
    std::string id = r.is_string() ? std::string(r.as_string()) : std::string();
    auto kind = kind_of(id);
    if (!kind) return AwsError::Make("InvalidID", "The ID '" + id + "' is not valid");
    if (!kind->coll->Find(Collection::Key(region, id))) return kind->missing(id);
  }
  return OkStatus();
}

}  // namespace

Result<json::object> Ec2Service::CreateTags(CallContext& ctx, json::object& in) {
  const json::array* resources = GetArray(in, "Resources");
  FARGO_TRY(CheckResources(resources, ctx.region, [this](const std::string& id) { return KindOf(id); }));
  const json::array* tags = GetArray(in, "Tags");
  for (const auto& t : tags ? *tags : json::array())
    if (t.is_object() && StartsWith(GetString(t.as_object(), "Key"), "aws:"))
      return AwsError::Make("InvalidParameterValue",
                            "Tag keys starting with 'aws:' are reserved for internal use");
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& r : *resources) {
      std::string id(r.as_string());
      auto kind = KindOf(id);
      std::string key = Collection::Key(ctx.region, id);
      json::object doc = *kind->coll->Find(key);
      json::array current = doc.contains(kind->tags_member) && doc[kind->tags_member].is_array()
                                ? doc[kind->tags_member].as_array()
                                : json::array();
      for (const auto& t : tags ? *tags : json::array()) {
        if (!t.is_object()) continue;
        std::string k = GetString(t.as_object(), "Key");
        json::object tag{{"Key", k}, {"Value", GetString(t.as_object(), "Value")}};
        bool replaced = false;
        for (auto& c : current)
          if (c.is_object() && GetString(c.as_object(), "Key") == k) {
            c = tag;
            replaced = true;
          }
        if (!replaced) current.push_back(std::move(tag));
      }
      doc[kind->tags_member] = std::move(current);
      FARGO_TRY(kind->coll->Put(key, std::move(doc)));
    }
    return OkStatus();
  }));
  return json::object{};
}

Result<json::object> Ec2Service::DeleteTags(CallContext& ctx, json::object& in) {
  const json::array* resources = GetArray(in, "Resources");
  FARGO_TRY(CheckResources(resources, ctx.region, [this](const std::string& id) { return KindOf(id); }));
  const json::array* tags = GetArray(in, "Tags");
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& r : *resources) {
      std::string id(r.as_string());
      auto kind = KindOf(id);
      std::string key = Collection::Key(ctx.region, id);
      json::object doc = *kind->coll->Find(key);
      json::array kept;
      if (doc.contains(kind->tags_member) && doc[kind->tags_member].is_array() && tags && !tags->empty()) {
        for (const auto& c : doc[kind->tags_member].as_array()) {
          bool drop = false;
          for (const auto& t : *tags) {
            if (!t.is_object()) continue;
            // A tag named without a value deletes the key whatever its value.
            if (GetString(t.as_object(), "Key") == GetString(c.as_object(), "Key") &&
                (!Has(t.as_object(), "Value") ||
                 GetString(t.as_object(), "Value") == GetString(c.as_object(), "Value")))
              drop = true;
          }
          if (!drop) kept.push_back(c);
        }
      }
      doc[kind->tags_member] = std::move(kept);
      FARGO_TRY(kind->coll->Put(key, std::move(doc)));
    }
    return OkStatus();
  }));
  return json::object{};
}

Result<json::object> Ec2Service::DescribeTags(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"resource-id", "resource-type", "key", "value"}));
  json::array out;
  for (const char* prefix :
       {"vpc-", "subnet-", "sg-", "acl-", "rtb-", "eni-", "igw-", "eigw-", "eipalloc-", "nat-", "dopt-", "fl-"}) {
    auto kind = KindOf(prefix);
    kind->coll->ForEachPrefix(ctx.region + "/", [&](const std::string& key, const json::object& doc) {
      std::string id = key.substr(ctx.region.size() + 1);
      const json::array* tags = GetArray(doc, kind->tags_member);
      if (!tags) return;
      for (const auto& t : *tags) {
        if (!t.is_object()) continue;
        std::string k = GetString(t.as_object(), "Key"), v = GetString(t.as_object(), "Value");
        ec2::FilterFields f{{"resource-id", id}, {"resource-type", kind->resource_type}, {"key", k}, {"value", v}};
        ec2::AddTagFields(doc.if_contains(kind->tags_member), f);
        if (!ec2::Matches(filters, f)) continue;
        out.push_back(json::object{{"ResourceId", id}, {"ResourceType", kind->resource_type}, {"Key", k}, {"Value", v}});
      }
    });
  }
  return Page(in, std::move(out), "Tags");
}

// ---- dispatch -------------------------------------------------------------------

const HandlerTable<Ec2Service>& Ec2Service::Table() {
  static const HandlerTable<Ec2Service> t{
      {"CreateVpc", &Ec2Service::CreateVpc},
      {"RunInstances", &Ec2Service::RunInstances},
      {"DescribeInstances", &Ec2Service::DescribeInstances},
      {"StartInstances", &Ec2Service::StartInstances},
      {"StopInstances", &Ec2Service::StopInstances},
      {"TerminateInstances", &Ec2Service::TerminateInstances},
      {"DescribeInstanceStatus", &Ec2Service::DescribeInstanceStatus},
      {"DescribeInstanceAttribute", &Ec2Service::DescribeInstanceAttribute},
      {"ModifyInstanceAttribute", &Ec2Service::ModifyInstanceAttribute},
      {"ModifyInstanceMetadataOptions", &Ec2Service::ModifyInstanceMetadataOptions},
      {"DescribeInstanceCreditSpecifications", &Ec2Service::DescribeInstanceCreditSpecifications},
      {"DescribeVolumes", &Ec2Service::DescribeVolumes},
      {"DescribeInstanceTypes", &Ec2Service::DescribeInstanceTypes},
      {"DescribeImages", &Ec2Service::DescribeImages},
      {"DeleteVpc", &Ec2Service::DeleteVpc},
      {"DescribeVpcs", &Ec2Service::DescribeVpcs},
      {"DescribeVpcAttribute", &Ec2Service::DescribeVpcAttribute},
      {"ModifyVpcAttribute", &Ec2Service::ModifyVpcAttribute},
      {"DescribeNetworkAcls", &Ec2Service::DescribeNetworkAcls},
      {"CreateRouteTable", &Ec2Service::CreateRouteTable},
      {"DeleteRouteTable", &Ec2Service::DeleteRouteTable},
      {"DescribeRouteTables", &Ec2Service::DescribeRouteTables},
      {"CreateRoute", &Ec2Service::CreateRoute},
      {"ReplaceRoute", &Ec2Service::ReplaceRoute},
      {"DeleteRoute", &Ec2Service::DeleteRoute},
      {"AssociateRouteTable", &Ec2Service::AssociateRouteTable},
      {"DisassociateRouteTable", &Ec2Service::DisassociateRouteTable},
      {"ReplaceRouteTableAssociation", &Ec2Service::ReplaceRouteTableAssociation},
      {"CreateInternetGateway", &Ec2Service::CreateInternetGateway},
      {"DeleteInternetGateway", &Ec2Service::DeleteInternetGateway},
      {"DescribeInternetGateways", &Ec2Service::DescribeInternetGateways},
      {"AttachInternetGateway", &Ec2Service::AttachInternetGateway},
      {"DetachInternetGateway", &Ec2Service::DetachInternetGateway},
      {"CreateEgressOnlyInternetGateway", &Ec2Service::CreateEgressOnlyInternetGateway},
      {"DeleteEgressOnlyInternetGateway", &Ec2Service::DeleteEgressOnlyInternetGateway},
      {"DescribeEgressOnlyInternetGateways", &Ec2Service::DescribeEgressOnlyInternetGateways},
      {"AllocateAddress", &Ec2Service::AllocateAddress},
      {"ReleaseAddress", &Ec2Service::ReleaseAddress},
      {"DescribeAddresses", &Ec2Service::DescribeAddresses},
      {"DescribeAddressesAttribute", &Ec2Service::DescribeAddressesAttribute},
      {"AssociateAddress", &Ec2Service::AssociateAddress},
      {"DisassociateAddress", &Ec2Service::DisassociateAddress},
      {"CreateNatGateway", &Ec2Service::CreateNatGateway},
      {"DeleteNatGateway", &Ec2Service::DeleteNatGateway},
      {"DescribeNatGateways", &Ec2Service::DescribeNatGateways},
      {"CreateNetworkAcl", &Ec2Service::CreateNetworkAcl},
      {"DeleteNetworkAcl", &Ec2Service::DeleteNetworkAcl},
      {"CreateNetworkAclEntry", &Ec2Service::CreateNetworkAclEntry},
      {"ReplaceNetworkAclEntry", &Ec2Service::ReplaceNetworkAclEntry},
      {"DeleteNetworkAclEntry", &Ec2Service::DeleteNetworkAclEntry},
      {"ReplaceNetworkAclAssociation", &Ec2Service::ReplaceNetworkAclAssociation},
      {"CreateDhcpOptions", &Ec2Service::CreateDhcpOptions},
      {"DeleteDhcpOptions", &Ec2Service::DeleteDhcpOptions},
      {"DescribeDhcpOptions", &Ec2Service::DescribeDhcpOptions},
      {"AssociateDhcpOptions", &Ec2Service::AssociateDhcpOptions},
      {"CreateFlowLogs", &Ec2Service::CreateFlowLogs},
      {"DeleteFlowLogs", &Ec2Service::DeleteFlowLogs},
      {"DescribeFlowLogs", &Ec2Service::DescribeFlowLogs},
      {"CreateSubnet", &Ec2Service::CreateSubnet},
      {"DeleteSubnet", &Ec2Service::DeleteSubnet},
      {"DescribeSubnets", &Ec2Service::DescribeSubnets},
      {"ModifySubnetAttribute", &Ec2Service::ModifySubnetAttribute},
      {"CreateSecurityGroup", &Ec2Service::CreateSecurityGroup},
      {"DeleteSecurityGroup", &Ec2Service::DeleteSecurityGroup},
      {"DescribeSecurityGroups", &Ec2Service::DescribeSecurityGroups},
      {"AuthorizeSecurityGroupIngress", &Ec2Service::AuthorizeSecurityGroupIngress},
      {"AuthorizeSecurityGroupEgress", &Ec2Service::AuthorizeSecurityGroupEgress},
      {"RevokeSecurityGroupIngress", &Ec2Service::RevokeSecurityGroupIngress},
      {"RevokeSecurityGroupEgress", &Ec2Service::RevokeSecurityGroupEgress},
      {"DescribeSecurityGroupRules", &Ec2Service::DescribeSecurityGroupRules},
      {"ModifySecurityGroupRules", &Ec2Service::ModifySecurityGroupRules},
      {"UpdateSecurityGroupRuleDescriptionsIngress", &Ec2Service::UpdateSecurityGroupRuleDescriptionsIngress},
      {"UpdateSecurityGroupRuleDescriptionsEgress", &Ec2Service::UpdateSecurityGroupRuleDescriptionsEgress},
      {"CreateNetworkInterface", &Ec2Service::CreateNetworkInterface},
      {"DeleteNetworkInterface", &Ec2Service::DeleteNetworkInterface},
      {"DescribeNetworkInterfaces", &Ec2Service::DescribeNetworkInterfaces},
      {"DescribeAvailabilityZones", &Ec2Service::DescribeAvailabilityZones},
      {"DescribeRegions", &Ec2Service::DescribeRegions},
      {"DescribeAccountAttributes", &Ec2Service::DescribeAccountAttributes},
      {"CreateTags", &Ec2Service::CreateTags},
      {"DeleteTags", &Ec2Service::DeleteTags},
      {"DescribeTags", &Ec2Service::DescribeTags},
  };
  return t;
}

}  // namespace fargo::services
