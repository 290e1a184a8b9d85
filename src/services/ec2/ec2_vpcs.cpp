// VPCs and what AWS creates alongside each one: the default security group,
// the default network ACL and the main route table.
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

// The VPC attributes DescribeVpcAttribute reports, keyed by the request's
// Attribute value, with the output member each one fills.
struct VpcAttribute {
  const char* name;
  const char* member;
  bool initial;
};
constexpr VpcAttribute kVpcAttributes[] = {
    {"enableDnsSupport", "EnableDnsSupport", true},
    {"enableDnsHostnames", "EnableDnsHostnames", false},
    {"enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics", false},
};

json::object AllowAllRule(const std::string& id, const std::string& group_id, const std::string& account,
                          bool egress) {
  return json::object{{"SecurityGroupRuleId", id}, {"GroupId", group_id}, {"GroupOwnerId", account},
                      {"IsEgress", egress},        {"IpProtocol", "-1"},  {"FromPort", -1},
                      {"ToPort", -1},              {"Tags", json::array()}};
}

bool DocVpcIs(const json::object& d, const std::string& vpc_id) { return GetString(d, "VpcId") == vpc_id; }

}  // namespace

const json::object* Ec2Service::FindVpc(const std::string& region, const std::string& id) const {
  return vpcs_.Find(Collection::Key(region, id));
}

Result<json::object> Ec2Service::CreateVpc(CallContext& ctx, json::object& in) {
  std::string cidr_text = GetString(in, "CidrBlock");
  if (cidr_text.empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter cidrBlock or ipv4IpamPoolId");
  auto cidr = ec2::ParseIpv4Cidr(cidr_text, /*strict=*/true);
  if (!cidr)
    return AwsError::Make("InvalidParameterValue", "Value (" + cidr_text +
                                                       ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->prefix < 16 || cidr->prefix > 28)
    return AwsError::Make("InvalidVpc.Range", "The CIDR '" + cidr_text + "' is invalid.");

  const std::string& region = ctx.region;
  const std::string& account = ctx.account;
  std::string vpc_id = NewId("vpc");
  std::string sg_id = NewId("sg");

  // The region's default DHCP options set is created with the first VPC.
  std::string dhcp_id;
  if (auto* m = meta_.Find(region)) dhcp_id = GetString(*m, "DhcpOptionsId");
  bool new_dhcp = dhcp_id.empty();
  if (new_dhcp) dhcp_id = NewId("dopt");

  json::array ipv6;
  if (GetBool(in, "AmazonProvidedIpv6CidrBlock")) {
    std::string h = env_.ids.Hex(6);
    ipv6.push_back(json::object{{"AssociationId", NewId("vpc-cidr-assoc")},
                                {"Ipv6CidrBlock", "2600:1f18:" + h.substr(0, 4) + ":" + h.substr(4, 2) + "00::/56"},
                                {"Ipv6CidrBlockState", json::object{{"State", "associated"}}},
                                {"NetworkBorderGroup", region},
                                {"Ipv6Pool", "Amazon"}});
  }
  json::object attrs;
  for (const auto& a : kVpcAttributes) attrs[a.name] = a.initial;
  json::object vpc{
      {"VpcId", vpc_id},
      {"State", "available"},
      {"CidrBlock", cidr->ToString()},
      {"DhcpOptionsId", dhcp_id},
      {"InstanceTenancy", GetString(in, "InstanceTenancy", "default")},
      {"IsDefault", false},
      {"OwnerId", account},
      {"CidrBlockAssociationSet",
       json::array{json::object{{"AssociationId", NewId("vpc-cidr-assoc")},
                                {"CidrBlock", cidr->ToString()},
                                {"CidrBlockState", json::object{{"State", "associated"}}}}}},
      {"Ipv6CidrBlockAssociationSet", ipv6},
      {"BlockPublicAccessStates", json::object{{"InternetGatewayBlockMode", "off"}}},
      {"Tags", TagsFor(in, "vpc")},
      {"_Attributes", std::move(attrs)},
  };

  json::object group{
      {"GroupId", sg_id},
      {"GroupName", "default"},
      {"Description", "default VPC security group"},
      {"VpcId", vpc_id},
      {"OwnerId", account},
      {"SecurityGroupArn", "arn:aws:ec2:" + region + ":" + account + ":security-group/" + sg_id},
      {"Tags", json::array()},
  };
  json::object self_rule = AllowAllRule(NewId("sgr"), sg_id, account, false);
  self_rule["ReferencedGroupInfo"] = json::object{{"GroupId", sg_id}, {"UserId", account}};
  json::object egress_rule = AllowAllRule(NewId("sgr"), sg_id, account, true);
  egress_rule["CidrIpv4"] = "0.0.0.0/0";
  group["_Rules"] = json::array{std::move(self_rule), std::move(egress_rule)};

  std::string acl_id = NewId("acl");
  json::object acl{
      {"NetworkAclId", acl_id},
      {"VpcId", vpc_id},
      {"IsDefault", true},
      {"OwnerId", account},
      {"Tags", json::array()},
      {"Entries", InitialAclEntries(/*is_default=*/true, /*ipv6=*/!ipv6.empty())},
  };

  std::string rtb_id = NewId("rtb");
  json::array routes{json::object{{"DestinationCidrBlock", cidr->ToString()},
                                  {"GatewayId", "local"},
                                  {"Origin", "CreateRouteTable"},
                                  {"State", "active"}}};
  for (const auto& a : ipv6)
    routes.push_back(json::object{{"DestinationIpv6CidrBlock", GetString(a.as_object(), "Ipv6CidrBlock")},
                                  {"GatewayId", "local"},
                                  {"Origin", "CreateRouteTable"},
                                  {"State", "active"}});
  json::object rtb{
      {"RouteTableId", rtb_id},
      {"VpcId", vpc_id},
      {"OwnerId", account},
      {"Tags", json::array()},
      {"PropagatingVgws", json::array()},
      {"Routes", std::move(routes)},
      {"Associations", json::array{json::object{{"Main", true},
                                                {"RouteTableAssociationId", NewId("rtbassoc")},
                                                {"RouteTableId", rtb_id},
                                                {"AssociationState", json::object{{"State", "associated"}}}}}},
  };

  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    if (new_dhcp) FARGO_TRY(meta_.Put(region, json::object{{"DhcpOptionsId", dhcp_id}}));
    FARGO_TRY(vpcs_.Put(Collection::Key(region, vpc_id), vpc));
    FARGO_TRY(groups_.Put(Collection::Key(region, sg_id), std::move(group)));
    FARGO_TRY(acls_.Put(Collection::Key(region, acl_id), std::move(acl)));
    return route_tables_.Put(Collection::Key(region, rtb_id), std::move(rtb));
  }));
  return json::object{{"Vpc", VpcView(vpc)}};
}

Result<json::object> Ec2Service::DeleteVpc(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  const std::string prefix = ctx.region + "/";
  if (!FindVpc(ctx.region, vpc_id)) return ec2::VpcNotFound(vpc_id);
  bool busy = false;
  subnets_.ForEachPrefix(prefix, [&](const std::string&, const json::object& d) { busy |= DocVpcIs(d, vpc_id); });
  groups_.ForEachPrefix(prefix, [&](const std::string&, const json::object& d) {
    busy |= DocVpcIs(d, vpc_id) && GetString(d, "GroupName") != "default";
  });
  interfaces_.ForEachPrefix(prefix, [&](const std::string&, const json::object& d) { busy |= DocVpcIs(d, vpc_id); });
  // Gateways attached, route tables other than the main one and network ACLs
  // other than the default one must go first, as on AWS.
  for (const Collection* c : {&igws_, &eigws_})
    c->ForEachPrefix(prefix, [&](const std::string&, const json::object& d) {
      if (const json::array* at = GetArray(d, "Attachments"))
        for (const auto& a : *at) busy |= GetString(a.as_object(), "VpcId") == vpc_id;
    });
  route_tables_.ForEachPrefix(prefix, [&](const std::string&, const json::object& d) {
    if (!DocVpcIs(d, vpc_id)) return;
    bool main = false;
    if (const json::array* as = GetArray(d, "Associations"))
      for (const auto& a : *as) main |= GetBool(a.as_object(), "Main");
    busy |= !main;
  });
  acls_.ForEachPrefix(prefix, [&](const std::string&, const json::object& d) {
    busy |= DocVpcIs(d, vpc_id) && !GetBool(d, "IsDefault");
  });
  if (busy)
    return AwsError::Make("DependencyViolation",
                          "The vpc '" + vpc_id + "' has dependencies and cannot be deleted.");
  // What was created with the VPC goes with it.
  std::vector<std::pair<Collection*, std::string>> doomed;
  for (Collection* c : {&groups_, &acls_, &route_tables_})
    c->ForEachPrefix(prefix, [&](const std::string& key, const json::object& d) {
      if (DocVpcIs(d, vpc_id)) doomed.emplace_back(c, key);
    });
  flow_logs_.ForEachPrefix(prefix, [&](const std::string& key, const json::object& d) {
    if (GetString(d, "ResourceId") == vpc_id) doomed.emplace_back(&flow_logs_, key);
  });
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (auto& [c, key] : doomed) FARGO_TRY(c->Erase(key));
    return vpcs_.Erase(Collection::Key(ctx.region, vpc_id));
  }));
  if (vpc_deleted_) vpc_deleted_(ctx.region, vpc_id);
  return json::object{};
}

json::object Ec2Service::VpcView(const json::object& vpc) const { return vpc; }

ec2::FilterFields Ec2Service::VpcFields(const json::object& vpc) const {
  std::string cidr = GetString(vpc, "CidrBlock");
  ec2::FilterFields f{{"vpc-id", GetString(vpc, "VpcId")},
                      {"cidr", cidr},
                      {"cidr-block", cidr},
                      {"cidrBlock", cidr},
                      {"dhcp-options-id", GetString(vpc, "DhcpOptionsId")},
                      {"is-default", ec2::BoolText(GetBool(vpc, "IsDefault"))},
                      {"isDefault", ec2::BoolText(GetBool(vpc, "IsDefault"))},
                      {"owner-id", GetString(vpc, "OwnerId")},
                      {"state", GetString(vpc, "State")},
                      {"instance-tenancy", GetString(vpc, "InstanceTenancy")}};
  if (auto* set = GetArray(vpc, "CidrBlockAssociationSet"))
    for (const auto& a : *set) {
      f.emplace("cidr-block-association.cidr-block", GetString(a.as_object(), "CidrBlock"));
      f.emplace("cidr-block-association.association-id", GetString(a.as_object(), "AssociationId"));
      f.emplace("cidr-block-association.state", "associated");
    }
  if (auto* set = GetArray(vpc, "Ipv6CidrBlockAssociationSet"))
    for (const auto& a : *set) {
      f.emplace("ipv6-cidr-block-association.ipv6-cidr-block", GetString(a.as_object(), "Ipv6CidrBlock"));
      f.emplace("ipv6-cidr-block-association.association-id", GetString(a.as_object(), "AssociationId"));
      f.emplace("ipv6-cidr-block-association.state", "associated");
      f.emplace("ipv6-cidr-block-association.ipv6-pool", GetString(a.as_object(), "Ipv6Pool"));
    }
  ec2::AddTagFields(vpc.if_contains("Tags"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeVpcs(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{
      "vpc-id", "cidr", "cidr-block", "cidrBlock", "dhcp-options-id", "is-default", "isDefault", "owner-id",
      "state", "instance-tenancy", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
      "cidr-block-association.state", "ipv6-cidr-block-association.ipv6-cidr-block",
      "ipv6-cidr-block-association.association-id", "ipv6-cidr-block-association.state",
      "ipv6-cidr-block-association.ipv6-pool"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  FARGO_ASSIGN_OR_RETURN(
      json::array vpcs,
      Select(vpcs_, ctx.region, GetArray(in, "VpcIds"), ec2::VpcNotFound, filters,
             [this](const json::object& v) { return VpcFields(v); }, [this](const json::object& v) { return VpcView(v); }));
  return Page(in, std::move(vpcs), "Vpcs");
}

Result<json::object> Ec2Service::DescribeVpcAttribute(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  const json::object* vpc = FindVpc(ctx.region, vpc_id);
  if (!vpc) return ec2::VpcNotFound(vpc_id);
  std::string attr = GetString(in, "Attribute");
  const json::object* attrs = GetObject(*vpc, "_Attributes");
  for (const auto& a : kVpcAttributes)
    if (attr == a.name) {
      bool value = attrs ? GetBool(*attrs, a.name, a.initial) : a.initial;
      return json::object{{"VpcId", vpc_id}, {a.member, json::object{{"Value", value}}}};
    }
  return AwsError::Make("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid.");
}

Result<json::object> Ec2Service::ModifyVpcAttribute(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  const json::object* found = FindVpc(ctx.region, vpc_id);
  if (!found) return ec2::VpcNotFound(vpc_id);
  json::object vpc = *found;
  json::object attrs = GetObject(vpc, "_Attributes") ? *GetObject(vpc, "_Attributes") : json::object();
  int changed = 0;
  for (const auto& a : kVpcAttributes)
    if (const json::object* v = GetObject(in, a.member)) {
      attrs[a.name] = GetBool(*v, "Value");
      ++changed;
    }
  if (changed != 1)
    return AwsError::Make("InvalidParameterCombination",
                          "Fields for multiple attribute types specified: only one attribute may be modified at a time");
  bool dns_support = GetBool(attrs, "enableDnsSupport", true);
  if (GetBool(attrs, "enableDnsHostnames") && !dns_support)
    return AwsError::Make("InvalidParameterValue",
                          "Cannot enable DNS hostnames while DNS support is disabled for the VPC");
  vpc["_Attributes"] = std::move(attrs);
  FARGO_TRY(vpcs_.Put(Collection::Key(ctx.region, vpc_id), std::move(vpc)));
  return json::object{};
}

}  // namespace fargo::services
