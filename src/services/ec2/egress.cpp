// Ec2Service::SubnetEgress: what a subnet's route table says of traffic
// leaving the VPC (0.0.0.0/0), read from the stored RouteTable documents.
#include "common/strings.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

namespace {

// Whether an association entry is in force (entries being removed, or
// failed, are not).
bool Associated(const json::object& a) {
  const json::object* state = GetObject(a, "AssociationState");
  if (!state) return true;
  std::string s = GetString(*state, "State");
  return s.empty() || s == "associated";
}

bool AssociatesSubnet(const json::object& rtb, const std::string& subnet_id) {
  if (const json::array* as = GetArray(rtb, "Associations"))
    for (const auto& a : *as)
      if (a.is_object() && GetString(a.as_object(), "SubnetId") == subnet_id && Associated(a.as_object()))
        return true;
  return false;
}

bool IsMain(const json::object& rtb) {
  if (const json::array* as = GetArray(rtb, "Associations"))
    for (const auto& a : *as)
      if (a.is_object() && GetBool(a.as_object(), "Main") && Associated(a.as_object())) return true;
  return false;
}

}  // namespace

Ec2Service::Egress Ec2Service::SubnetEgress(const std::string& region, const std::string& subnet_id) const {
  Egress out;
  const json::object* subnet = FindSubnet(region, subnet_id);
  if (!subnet) return out;
  std::string vpc_id = GetString(*subnet, "VpcId");
  const json::object* explicit_table = nullptr;
  const json::object* main_table = nullptr;
  route_tables_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& rtb) {
    if (GetString(rtb, "VpcId") != vpc_id) return;
    if (!explicit_table && AssociatesSubnet(rtb, subnet_id)) explicit_table = &rtb;
    if (!main_table && IsMain(rtb)) main_table = &rtb;
  });
  const json::object* table = explicit_table ? explicit_table : main_table;
  if (!table) return out;
  out.route_table_id = GetString(*table, "RouteTableId");
  if (const json::array* routes = GetArray(*table, "Routes"))
    for (const auto& rv : *routes) {
      if (!rv.is_object()) continue;
      const json::object& r = rv.as_object();
      if (GetString(r, "DestinationCidrBlock") != "0.0.0.0/0") continue;
      if (GetString(r, "State") == "blackhole") return out;
      std::string gateway = GetString(r, "GatewayId"), nat = GetString(r, "NatGatewayId");
      if (StartsWith(gateway, "igw-")) {
        out.kind = Egress::Kind::kInternetGateway;
        out.target = gateway;
      } else if (StartsWith(nat, "nat-")) {
        out.kind = Egress::Kind::kNatGateway;
        out.target = nat;
      }
      return out;  // one route per destination: whatever it names decides
    }
  return out;
}

}  // namespace fargo::services
