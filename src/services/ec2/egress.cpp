// Ec2Service::SubnetEgress: what a subnet's route table says of traffic
// leaving the VPC (0.0.0.0/0). The table is the one DescribeRouteTables
// shows for the subnet, with its routes' states as that view works them out
// (a detached internet gateway or a deleted NAT gateway is a blackhole).
#include "common/strings.h"
#include "services/ec2/ec2_service.h"
#include "store/collection.h"

namespace fargo::services {

Ec2Service::Egress Ec2Service::SubnetEgress(const std::string& region, const std::string& subnet_id) const {
  Egress out;
  const json::object* table = RouteTableOfSubnet(region, subnet_id);
  if (!table) return out;
  out.route_table_id = GetString(*table, "RouteTableId");
  json::object view = RouteTableView(region, *table);
  if (const json::array* routes = GetArray(view, "Routes"))
    for (const auto& rv : *routes) {
      const json::object& r = rv.as_object();
      if (GetString(r, "DestinationCidrBlock") != "0.0.0.0/0") continue;
      if (GetString(r, "State") != "active") return out;
      std::string gateway = GetString(r, "GatewayId"), nat = GetString(r, "NatGatewayId");
      if (StartsWith(gateway, "igw-")) {
        out.kind = Egress::Kind::kInternetGateway;
        out.target = gateway;
      } else if (!nat.empty()) {
        // A NAT gateway carries traffic once available (the view counts a
        // pending one as active, as AWS shows it).
        // A public one reaches out only through its own subnet's internet
        // gateway; a private one reaches no internet at all.
        const json::object* n = nat_gateways_.Find(store::Collection::Key(region, nat));
        if (n && GetString(NatView(*n), "State") == "available" && GetString(*n, "ConnectivityType") != "private" &&
            SubnetEgress(region, GetString(*n, "SubnetId")).kind == Egress::Kind::kInternetGateway) {
          out.kind = Egress::Kind::kNatGateway;
          out.target = nat;
        }
      }
      return out;  // one route per destination: whatever it names decides
    }
  return out;
}

}  // namespace fargo::services
