// Route tables: routes to gateways, NAT gateways, interfaces and peerings;
// explicit associations with subnets and gateways; the main route table
// created with the VPC, which every subnet without an explicit association
// uses implicitly.
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

// The members of CreateRoute/ReplaceRoute that name a route's target, in the
// order AWS lists them.
constexpr const char* kTargets[] = {"GatewayId",        "NatGatewayId",     "NetworkInterfaceId",
                                    "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId",
                                    "TransitGatewayId", "InstanceId",       "LocalGatewayId",
                                    "CarrierGatewayId", "VpcEndpointId",    "CoreNetworkArn"};

constexpr const char* kRouteFilterMembers[][2] = {
    {"route.destination-cidr-block", "DestinationCidrBlock"},
    {"route.destination-ipv6-cidr-block", "DestinationIpv6CidrBlock"},
    {"route.destination-prefix-list-id", "DestinationPrefixListId"},
    {"route.gateway-id", "GatewayId"},
    {"route.nat-gateway-id", "NatGatewayId"},
    {"route.transit-gateway-id", "TransitGatewayId"},
    {"route.vpc-peering-connection-id", "VpcPeeringConnectionId"},
    {"route.instance-id", "InstanceId"},
    {"route.egress-only-internet-gateway-id", "EgressOnlyInternetGatewayId"},
    {"route.origin", "Origin"},
    {"route.state", "State"},
};

// The route's destination as the request names it: the member and its
// canonical text.
struct Destination {
  std::string member;
  std::string value;
};

Result<Destination> DestinationOf(const json::object& in) {
  std::string v4 = GetString(in, "DestinationCidrBlock"), v6 = GetString(in, "DestinationIpv6CidrBlock");
  std::string pl = GetString(in, "DestinationPrefixListId");
  int given = !v4.empty() + !v6.empty() + !pl.empty();
  if (given != 1)
    return AwsError::Make("InvalidParameterCombination",
                          "The request must contain exactly one of destinationCidrBlock, "
                          "destinationIpv6CidrBlock or destinationPrefixListId");
  if (!v4.empty()) {
    auto c = ec2::ParseIpv4Cidr(v4, /*strict=*/false);
    if (!c)
      return AwsError::Make("InvalidParameterValue",
                            "Value (" + v4 + ") for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.");
    return Destination{"DestinationCidrBlock", c->ToString()};
  }
  if (!v6.empty()) {
    if (!ec2::IsIpv6Cidr(v6))
      return AwsError::Make("InvalidParameterValue", "Value (" + v6 +
                                                         ") for parameter destinationIpv6CidrBlock is invalid. This is not a valid CIDR block.");
    return Destination{"DestinationIpv6CidrBlock", ToLower(v6)};
  }
  return Destination{"DestinationPrefixListId", pl};
}

bool RouteHas(const json::object& route, const Destination& d) {
  std::string v = GetString(route, d.member);
  return !v.empty() && (d.member == "DestinationIpv6CidrBlock" ? ToLower(v) : v) == d.value;
}

std::string DestinationText(const Destination& d) { return d.value; }

json::object Associated() { return json::object{{"State", "associated"}}; }

}  // namespace

// ---- views, lookups ------------------------------------------------------------

bool Ec2Service::RouteActive(const std::string& region, const std::string& vpc_id, const json::object& route) const {
  std::string gw = GetString(route, "GatewayId");
  if (gw == "local") return true;
  if (StartsWith(gw, "igw-")) {
    bool attached = false;
    if (const json::object* igw = igws_.Find(Collection::Key(region, gw)))
      if (const json::array* at = GetArray(*igw, "Attachments"))
        for (const auto& a : *at) attached |= GetString(a.as_object(), "VpcId") == vpc_id;
    return attached;
  }
  if (std::string nat = GetString(route, "NatGatewayId"); !nat.empty()) {
    const json::object* n = nat_gateways_.Find(Collection::Key(region, nat));
    if (!n) return false;
    std::string state = GetString(NatView(*n), "State");
    return state == "available" || state == "pending";
  }
  if (std::string eni = GetString(route, "NetworkInterfaceId"); !eni.empty())
    return interfaces_.Find(Collection::Key(region, eni)) != nullptr;
  if (std::string eigw = GetString(route, "EgressOnlyInternetGatewayId"); !eigw.empty())
    return eigws_.Find(Collection::Key(region, eigw)) != nullptr;
  // Peerings, transit gateways and the like are not modelled: routes to them
  // lead nowhere.
  return false;
}

json::object Ec2Service::RouteTableView(const std::string& region, const json::object& rtb) const {
  json::object v = rtb;
  std::string vpc_id = GetString(rtb, "VpcId");
  json::array routes;
  if (const json::array* rs = GetArray(rtb, "Routes"))
    for (const auto& r : *rs) {
      json::object route = r.as_object();
      route["State"] = RouteActive(region, vpc_id, route) ? "active" : "blackhole";
      routes.push_back(std::move(route));
    }
  v["Routes"] = std::move(routes);
  return v;
}

Status Ec2Service::RefreshRouteStates(const std::string& region) {
  std::vector<std::pair<std::string, json::object>> changed;
  route_tables_.ForEachPrefix(region + "/", [&](const std::string& key, const json::object& rtb) {
    json::object live = RouteTableView(region, rtb);
    if (GetArray(live, "Routes") && GetArray(rtb, "Routes") && *GetArray(live, "Routes") != *GetArray(rtb, "Routes"))
      changed.emplace_back(key, std::move(live));
  });
  if (changed.empty()) return OkStatus();
  return env_.store.Transaction([&]() -> Status {
    for (auto& [key, doc] : changed) FARGO_TRY(route_tables_.Put(key, std::move(doc)));
    return OkStatus();
  });
}

std::pair<std::string, json::object> Ec2Service::FindAssociation(const std::string& region,
                                                                 const std::string& assoc_id) const {
  std::pair<std::string, json::object> found;
  route_tables_.ForEachPrefix(region + "/", [&](const std::string& key, const json::object& t) {
    if (const json::array* as = GetArray(t, "Associations"))
      for (const auto& a : *as)
        if (GetString(a.as_object(), "RouteTableAssociationId") == assoc_id) found = {key, a.as_object()};
  });
  return found;
}

const json::object* Ec2Service::RouteTableOfSubnet(const std::string& region, const std::string& subnet_id) const {
  const json::object* subnet = FindSubnet(region, subnet_id);
  if (!subnet) return nullptr;
  std::string vpc_id = GetString(*subnet, "VpcId");
  const json::object *explicit_rtb = nullptr, *main = nullptr;
  route_tables_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& t) {
    if (GetString(t, "VpcId") != vpc_id) return;
    if (const json::array* as = GetArray(t, "Associations"))
      for (const auto& a : *as) {
        if (GetString(a.as_object(), "SubnetId") == subnet_id) explicit_rtb = &t;
        if (GetBool(a.as_object(), "Main")) main = &t;
      }
  });
  return explicit_rtb ? explicit_rtb : main;
}

ec2::FilterFields Ec2Service::RouteTableFields(const json::object& rtb) const {
  ec2::FilterFields f{{"route-table-id", GetString(rtb, "RouteTableId")},
                      {"vpc-id", GetString(rtb, "VpcId")},
                      {"owner-id", GetString(rtb, "OwnerId")}};
  bool main = false;
  if (auto* a = GetArray(rtb, "Associations"))
    for (const auto& x : *a) {
      const auto& o = x.as_object();
      main |= GetBool(o, "Main");
      f.emplace("association.route-table-association-id", GetString(o, "RouteTableAssociationId"));
      f.emplace("association.route-table-id", GetString(o, "RouteTableId"));
      if (Has(o, "SubnetId")) f.emplace("association.subnet-id", GetString(o, "SubnetId"));
      if (Has(o, "GatewayId")) f.emplace("association.gateway-id", GetString(o, "GatewayId"));
    }
  // A table is "main" if one of its associations is; every table is "not main"
  // unless it is the main one (as EC2 answers association.main=false).
  f.emplace("association.main", ec2::BoolText(main));
  if (auto* r = GetArray(rtb, "Routes"))
    for (const auto& x : *r) {
      const auto& o = x.as_object();
      for (const auto& [filter, member] : kRouteFilterMembers)
        if (Has(o, member)) f.emplace(filter, GetString(o, member));
    }
  ec2::AddTagFields(rtb.if_contains("Tags"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeRouteTables(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{
      "route-table-id", "vpc-id", "owner-id", "association.main", "association.route-table-association-id",
      "association.route-table-id", "association.subnet-id", "association.gateway-id",
      "route.destination-cidr-block", "route.gateway-id", "route.origin", "route.state",
      "route.destination-ipv6-cidr-block", "route.destination-prefix-list-id", "route.nat-gateway-id",
      "route.transit-gateway-id", "route.vpc-peering-connection-id", "route.instance-id",
      "route.egress-only-internet-gateway-id"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  std::string region = ctx.region;
  FARGO_ASSIGN_OR_RETURN(json::array tables,
                         Select(route_tables_, region, GetArray(in, "RouteTableIds"), ec2::RouteTableNotFound,
                                filters, [this](const json::object& v) { return RouteTableFields(v); },
                                [](const json::object& r) { return r; }));
  return Page(in, std::move(tables), "RouteTables");
}

// ---- route tables ------------------------------------------------------------------

Result<json::object> Ec2Service::CreateRouteTable(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  if (vpc_id.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter vpcId");
  const json::object* vpc = FindVpc(ctx.region, vpc_id);
  if (!vpc) return ec2::VpcNotFound(vpc_id);
  json::array routes;
  if (const json::array* set = GetArray(*vpc, "CidrBlockAssociationSet"))
    for (const auto& a : *set)
      routes.push_back(json::object{{"DestinationCidrBlock", GetString(a.as_object(), "CidrBlock")},
                                    {"GatewayId", "local"},
                                    {"Origin", "CreateRouteTable"},
                                    {"State", "active"}});
  if (const json::array* set = GetArray(*vpc, "Ipv6CidrBlockAssociationSet"))
    for (const auto& a : *set)
      routes.push_back(json::object{{"DestinationIpv6CidrBlock", GetString(a.as_object(), "Ipv6CidrBlock")},
                                    {"GatewayId", "local"},
                                    {"Origin", "CreateRouteTable"},
                                    {"State", "active"}});
  std::string id = NewId("rtb");
  json::object rtb{{"RouteTableId", id},
                   {"VpcId", vpc_id},
                   {"OwnerId", ctx.account},
                   {"Tags", TagsFor(in, "route-table")},
                   {"PropagatingVgws", json::array()},
                   {"Routes", std::move(routes)},
                   {"Associations", json::array()}};
  FARGO_TRY(route_tables_.Put(Collection::Key(ctx.region, id), rtb));
  json::object out{{"RouteTable", rtb}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteRouteTable(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "RouteTableId");
  const json::object* rtb = route_tables_.Find(Collection::Key(ctx.region, id));
  if (!rtb) return ec2::RouteTableNotFound(id);
  const json::array* as = GetArray(*rtb, "Associations");
  if (as && !as->empty())
    return AwsError::Make("DependencyViolation", "The routeTable '" + id + "' has dependencies and cannot be deleted.");
  FARGO_TRY(route_tables_.Erase(Collection::Key(ctx.region, id)));
  return json::object{};
}

// ---- routes ----------------------------------------------------------------------------

namespace {

// The one target member the request names, or an error.
Result<std::pair<std::string, std::string>> TargetOf(const json::object& in) {
  std::pair<std::string, std::string> target;
  int given = 0;
  for (const char* m : kTargets)
    if (std::string v = GetString(in, m); !v.empty()) {
      target = {m, v};
      ++given;
    }
  if (given != 1)
    return AwsError::Make("InvalidParameterCombination",
                          "The parameter combination is not valid: specify exactly one of gatewayId, natGatewayId, "
                          "networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, "
                          "transitGatewayId, instanceId, localGatewayId, carrierGatewayId, vpcEndpointId, "
                          "coreNetworkArn");
  return target;
}

}  // namespace

namespace {

// The stored route for a destination and target.
json::object BuildRoute(const Destination& dest, const std::pair<std::string, std::string>& target) {
  json::object route{{dest.member, dest.value}, {target.first, target.second}};
  route["Origin"] = "CreateRoute";
  route["State"] = "active";
  return route;
}

}  // namespace

Result<json::object> Ec2Service::CreateRoute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "RouteTableId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = route_tables_.Find(key);
  if (!found) return ec2::RouteTableNotFound(id);
  FARGO_ASSIGN_OR_RETURN(Destination dest, DestinationOf(in));
  FARGO_ASSIGN_OR_RETURN(auto target, TargetOf(in));
  FARGO_TRY(CheckRouteTarget(ctx.region, *found, dest.member, target.first, target.second));
  json::object rtb = *found;
  json::array routes = GetArray(rtb, "Routes") ? *GetArray(rtb, "Routes") : json::array();
  for (const auto& r : routes)
    if (RouteHas(r.as_object(), dest))
      return AwsError::Make("RouteAlreadyExists",
                            "The route identified by " + DestinationText(dest) + " already exists.");
  json::object route = BuildRoute(dest, target);
  route["State"] = RouteActive(ctx.region, GetString(*found, "VpcId"), route) ? "active" : "blackhole";
  routes.push_back(std::move(route));
  rtb["Routes"] = std::move(routes);
  FARGO_TRY(route_tables_.Put(key, std::move(rtb)));
  return json::object{{"Return", true}};
}

Result<json::object> Ec2Service::ReplaceRoute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "RouteTableId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = route_tables_.Find(key);
  if (!found) return ec2::RouteTableNotFound(id);
  FARGO_ASSIGN_OR_RETURN(Destination dest, DestinationOf(in));
  FARGO_ASSIGN_OR_RETURN(auto target, TargetOf(in));
  FARGO_TRY(CheckRouteTarget(ctx.region, *found, dest.member, target.first, target.second));
  json::object rtb = *found;
  json::array routes = GetArray(rtb, "Routes") ? *GetArray(rtb, "Routes") : json::array();
  bool replaced = false;
  for (auto& r : routes) {
    if (!RouteHas(r.as_object(), dest)) continue;
    json::object route = BuildRoute(dest, target);
    route["State"] = RouteActive(ctx.region, GetString(*found, "VpcId"), route) ? "active" : "blackhole";
    // A local route stays the table's own.
    if (GetString(r.as_object(), "Origin") == "CreateRouteTable") route["Origin"] = "CreateRouteTable";
    r = std::move(route);
    replaced = true;
  }
  if (!replaced)
    return AwsError::Make("InvalidParameterValue", "There is no route defined for '" + DestinationText(dest) +
                                                       "' in the route table. Use CreateRoute instead.");
  rtb["Routes"] = std::move(routes);
  FARGO_TRY(route_tables_.Put(key, std::move(rtb)));
  return json::object{};
}

Result<json::object> Ec2Service::DeleteRoute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "RouteTableId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = route_tables_.Find(key);
  if (!found) return ec2::RouteTableNotFound(id);
  FARGO_ASSIGN_OR_RETURN(Destination dest, DestinationOf(in));
  json::object rtb = *found;
  json::array kept;
  bool removed = false;
  for (const auto& r : GetArray(rtb, "Routes") ? *GetArray(rtb, "Routes") : json::array()) {
    if (RouteHas(r.as_object(), dest)) {
      if (GetString(r.as_object(), "GatewayId") == "local")
        return AwsError::Make("InvalidParameterValue",
                              "cannot remove local route " + DestinationText(dest) + " in route table " + id);
      removed = true;
      continue;
    }
    kept.push_back(r);
  }
  if (!removed) {
    std::string which = dest.member == "DestinationCidrBlock"       ? "destination-cidr-block"
                        : dest.member == "DestinationIpv6CidrBlock" ? "destination-ipv6-cidr-block"
                                                                    : "destination-prefix-list-id";
    return AwsError::Make("InvalidRoute.NotFound",
                          "no route with " + which + " " + DestinationText(dest) + " in route table " + id);
  }
  rtb["Routes"] = std::move(kept);
  FARGO_TRY(route_tables_.Put(key, std::move(rtb)));
  return json::object{};
}

Status Ec2Service::CheckRouteTarget(const std::string& region, const json::object& rtb, const std::string& dest_member,
                                    const std::string& member, const std::string& value) const {
  std::string vpc_id = GetString(rtb, "VpcId");
  std::string rtb_id = GetString(rtb, "RouteTableId");
  auto different = [&](const std::string& what) {
    return AwsError::Make("InvalidParameterValue",
                          "route table " + rtb_id + " and network gateway " + what + " belong to different networks");
  };
  if (member == "GatewayId") {
    if (value == "local") return OkStatus();
    if (StartsWith(value, "igw-")) {
      const json::object* igw = igws_.Find(Collection::Key(region, value));
      if (!igw) return AwsError::Make("InvalidGatewayID.NotFound", "The gateway ID '" + value + "' does not exist");
      bool attached = false;
      if (const json::array* at = GetArray(*igw, "Attachments"))
        for (const auto& a : *at) attached |= GetString(a.as_object(), "VpcId") == vpc_id;
      if (!attached) return different(value);
      return OkStatus();
    }
    if (StartsWith(value, "eigw-"))
      return AwsError::Make("InvalidParameterValue",
                            "The egress-only internet gateway " + value + " must be given as egressOnlyInternetGatewayId");
    return AwsError::Make("InvalidGatewayID.NotFound", "The gateway ID '" + value + "' does not exist");
  }
  if (member == "NatGatewayId") {
    const json::object* nat = nat_gateways_.Find(Collection::Key(region, value));
    std::string state = nat ? GetString(NatView(*nat), "State") : "";
    if (!nat || state == "deleted" || state == "deleting" || state == "failed")
      return AwsError::Make("InvalidNatGatewayID.NotFound", "The natGateway ID '" + value + "' does not exist");
    if (dest_member == "DestinationIpv6CidrBlock" && GetString(*nat, "ConnectivityType") != "public")
      return AwsError::Make("InvalidParameterValue", "A private NAT gateway cannot route IPv6 traffic");
    return OkStatus();
  }
  if (member == "NetworkInterfaceId") {
    const json::object* eni = interfaces_.Find(Collection::Key(region, value));
    if (!eni) return ec2::InterfaceNotFound(value);
    if (GetString(*eni, "VpcId") != vpc_id) return different(value);
    return OkStatus();
  }
  if (member == "EgressOnlyInternetGatewayId") {
    const json::object* eigw = eigws_.Find(Collection::Key(region, value));
    if (!eigw) return ec2::EgressGatewayNotFound(value);
    if (dest_member != "DestinationIpv6CidrBlock")
      return AwsError::Make("InvalidParameterValue",
                            "Egress-only internet gateways can only be the target of IPv6 routes");
    bool same = false;
    if (const json::array* at = GetArray(*eigw, "Attachments"))
      for (const auto& a : *at) same |= GetString(a.as_object(), "VpcId") == vpc_id;
    if (!same) return different(value);
    return OkStatus();
  }
  if (member == "VpcPeeringConnectionId") {
    if (!StartsWith(value, "pcx-"))
      return AwsError::Make("InvalidVpcPeeringConnectionID.Malformed",
                            "Invalid id: \"" + value + "\" (expecting \"pcx-...\")");
    return OkStatus();
  }
  if (member == "TransitGatewayId") {
    if (!StartsWith(value, "tgw-"))
      return AwsError::Make("InvalidTransitGatewayID.Malformed", "Invalid id: \"" + value + "\" (expecting \"tgw-...\")");
    return OkStatus();
  }
  if (member == "InstanceId")
    return AwsError::Make("InvalidInstanceID.NotFound", "The instance ID '" + value + "' does not exist");
  return AwsError::Make("InvalidParameterValue", "Value (" + value + ") for parameter " + member +
                                                     " is invalid: fargo does not serve this route target");
}

// ---- associations ----------------------------------------------------------------------

Result<json::object> Ec2Service::AssociateRouteTable(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "RouteTableId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = route_tables_.Find(key);
  if (!found) return ec2::RouteTableNotFound(id);
  std::string vpc_id = GetString(*found, "VpcId");
  std::string subnet_id = GetString(in, "SubnetId"), gateway_id = GetString(in, "GatewayId");
  if (subnet_id.empty() == gateway_id.empty())
    return AwsError::Make("InvalidParameterCombination",
                          "The request must contain exactly one of subnetId or gatewayId");
  std::string member = subnet_id.empty() ? "GatewayId" : "SubnetId";
  std::string target = subnet_id.empty() ? gateway_id : subnet_id;
  if (!subnet_id.empty()) {
    const json::object* subnet = FindSubnet(ctx.region, subnet_id);
    if (!subnet) return ec2::SubnetNotFound(subnet_id);
    if (GetString(*subnet, "VpcId") != vpc_id)
      return AwsError::Make("InvalidParameterValue",
                            "routeTable " + id + " and subnet " + subnet_id + " belong to different networks");
  } else {
    const json::object* igw = StartsWith(gateway_id, "igw-") ? igws_.Find(Collection::Key(ctx.region, gateway_id)) : nullptr;
    if (!igw) return AwsError::Make("InvalidGatewayID.NotFound", "The gateway ID '" + gateway_id + "' does not exist");
    bool attached = false;
    if (const json::array* at = GetArray(*igw, "Attachments"))
      for (const auto& a : *at) attached |= GetString(a.as_object(), "VpcId") == vpc_id;
    if (!attached)
      return AwsError::Make("InvalidParameterValue",
                            "routeTable " + id + " and gateway " + gateway_id + " belong to different networks");
  }
  bool taken = false;
  route_tables_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& t) {
    if (const json::array* as = GetArray(t, "Associations"))
      for (const auto& a : *as) taken |= GetString(a.as_object(), member) == target;
  });
  if (taken)
    return AwsError::Make("Resource.AlreadyAssociated", "the specified association for route table " + id +
                                                            " conflicts with an existing association");
  std::string assoc_id = NewId("rtbassoc");
  json::object rtb = *found;
  json::array as = GetArray(rtb, "Associations") ? *GetArray(rtb, "Associations") : json::array();
  as.push_back(json::object{{"Main", false},
                            {"RouteTableAssociationId", assoc_id},
                            {"RouteTableId", id},
                            {member, target},
                            {"AssociationState", Associated()}});
  rtb["Associations"] = std::move(as);
  FARGO_TRY(route_tables_.Put(key, std::move(rtb)));
  return json::object{{"AssociationId", assoc_id}, {"AssociationState", Associated()}};
}

Result<json::object> Ec2Service::DisassociateRouteTable(CallContext& ctx, json::object& in) {
  std::string assoc_id = GetString(in, "AssociationId");
  auto [table_key, association] = FindAssociation(ctx.region, assoc_id);
  if (table_key.empty()) return ec2::AssociationNotFound(assoc_id);
  if (GetBool(association, "Main"))
    return AwsError::Make("InvalidParameterValue", "cannot disassociate the main route table association " + assoc_id);
  json::object rtb = *route_tables_.Find(table_key);
  json::array kept;
  for (const auto& a : *GetArray(rtb, "Associations"))
    if (GetString(a.as_object(), "RouteTableAssociationId") != assoc_id) kept.push_back(a);
  rtb["Associations"] = std::move(kept);
  FARGO_TRY(route_tables_.Put(table_key, std::move(rtb)));
  return json::object{};
}

Result<json::object> Ec2Service::ReplaceRouteTableAssociation(CallContext& ctx, json::object& in) {
  std::string assoc_id = GetString(in, "AssociationId");
  std::string new_id = GetString(in, "RouteTableId");
  std::string new_key = Collection::Key(ctx.region, new_id);
  auto [old_key, association] = FindAssociation(ctx.region, assoc_id);
  if (old_key.empty()) return ec2::AssociationNotFound(assoc_id);
  const json::object* target = route_tables_.Find(new_key);
  if (!target) return ec2::RouteTableNotFound(new_id);
  if (GetString(*target, "VpcId") != GetString(*route_tables_.Find(old_key), "VpcId"))
    return AwsError::Make("InvalidParameterValue",
                          "routeTable " + new_id + " belongs to a different network than association " + assoc_id);
  std::string fresh = NewId("rtbassoc");
  association["RouteTableAssociationId"] = fresh;
  association["RouteTableId"] = new_id;
  association["AssociationState"] = Associated();
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    json::object old_rtb = *route_tables_.Find(old_key);
    json::array kept;
    for (const auto& a : *GetArray(old_rtb, "Associations"))
      if (GetString(a.as_object(), "RouteTableAssociationId") != assoc_id) kept.push_back(a);
    old_rtb["Associations"] = std::move(kept);
    FARGO_TRY(route_tables_.Put(old_key, std::move(old_rtb)));
    json::object new_rtb = *route_tables_.Find(new_key);
    json::array as = GetArray(new_rtb, "Associations") ? *GetArray(new_rtb, "Associations") : json::array();
    as.push_back(association);
    new_rtb["Associations"] = std::move(as);
    return route_tables_.Put(new_key, std::move(new_rtb));
  }));
  return json::object{{"NewAssociationId", fresh}, {"AssociationState", Associated()}};
}

}  // namespace fargo::services
