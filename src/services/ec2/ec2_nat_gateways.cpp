// NAT gateways: a requester-managed interface in a subnet (interface type
// nat_gateway) with an address from the subnet and, when public, an Elastic
// IP mapped to it.
//
// States move with the clock, as AWS's do: pending for kNatTransitionMs after
// creation, then available; deleting for kNatTransitionMs after deletion,
// then deleted (shown for an hour, as AWS shows deleted gateways).
#include "common/strings.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

constexpr int64_t kNatTransitionMs = 1000;
constexpr int64_t kDeletedShownMs = 3600 * 1000;

ec2::FilterFields NatFields(const json::object& n) {
  ec2::FilterFields f{{"nat-gateway-id", GetString(n, "NatGatewayId")},
                      {"state", GetString(n, "State")},
                      {"subnet-id", GetString(n, "SubnetId")},
                      {"vpc-id", GetString(n, "VpcId")}};
  ec2::AddTagFields(n.if_contains("Tags"), f);
  return f;
}

}  // namespace

json::object Ec2Service::NatView(const json::object& nat) const {
  json::object v = nat;
  int64_t now = env_.clock.NowMillis();
  if (Has(nat, "_DeletedAt")) {
    int64_t gone = GetInt(nat, "_DeletedAt") + kNatTransitionMs;
    v["State"] = now < gone ? "deleting" : "deleted";
    if (now >= gone) v["DeleteTime"] = static_cast<double>(gone) / 1000.0;
  } else if (GetString(nat, "State") != "failed") {
    v["State"] = now < GetInt(nat, "_ReadyAt") ? "pending" : "available";
  }
  return v;
}

Result<json::object> Ec2Service::CreateNatGateway(CallContext& ctx, json::object& in) {
  const std::string& region = ctx.region;
  std::string subnet_id = GetString(in, "SubnetId");
  if (subnet_id.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter SubnetId");
  const json::object* subnet = FindSubnet(region, subnet_id);
  if (!subnet) return ec2::SubnetNotFound(subnet_id);
  std::string vpc_id = GetString(*subnet, "VpcId");
  std::string type = GetString(in, "ConnectivityType", "public");
  if (type != "public" && type != "private")
    return AwsError::Make("InvalidParameterValue", "Value (" + type + ") for parameter connectivityType is invalid.");
  std::string alloc_id = GetString(in, "AllocationId");
  if (type == "public") {
    if (alloc_id.empty())
      return AwsError::Make("MissingParameter", "The request must contain the parameter AllocationId");
    const json::object* a = addresses_.Find(Collection::Key(region, alloc_id));
    if (!a) return ec2::AllocationNotFound(alloc_id);
    if (Has(*a, "AssociationId"))
      return AwsError::Make("Resource.AlreadyAssociated",
                            "Elastic IP address [" + alloc_id + "] is already associated");
  } else if (!alloc_id.empty()) {
    return AwsError::Make("InvalidParameterCombination", "A private NAT gateway cannot have an Elastic IP address");
  }

  std::string id = NewId("nat");
  int64_t now = env_.clock.NowMillis();
  json::object nat{{"NatGatewayId", id},
                   {"SubnetId", subnet_id},
                   {"VpcId", vpc_id},
                   {"ConnectivityType", type},
                   {"CreateTime", static_cast<double>(now) / 1000.0},
                   {"State", "pending"},
                   {"Tags", TagsFor(in, "natgateway")},
                   {"_ReadyAt", now + kNatTransitionMs}};

  bool gateway = false;
  igws_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& g) {
    if (const json::array* at = GetArray(g, "Attachments"))
      for (const auto& a : *at) gateway |= GetString(a.as_object(), "VpcId") == vpc_id;
  });
  if (type == "public" && !gateway) {
    // As on AWS, the request succeeds and the gateway fails.
    nat["State"] = "failed";
    nat["FailureCode"] = "Gateway.NotAttached";
    nat["FailureMessage"] = "Network " + vpc_id + " has no Internet gateway attached";
    nat["NatGatewayAddresses"] = json::array{json::object{{"AllocationId", alloc_id}, {"IsPrimary", true},
                                                          {"Status", "failed"},
                                                          {"FailureMessage", GetString(nat, "FailureMessage")}}};
    FARGO_TRY(nat_gateways_.Put(Collection::Key(region, id), nat));
  } else {
    InterfaceSpec spec;
    spec.subnet_id = subnet_id;
    spec.description = "Interface for NAT Gateway " + id;
    spec.private_ip = GetString(in, "PrivateIpAddress");
    spec.interface_type = "nat_gateway";
    spec.requester_managed = true;
    spec.no_groups = true;
    spec.status = "in-use";
    FARGO_ASSIGN_OR_RETURN(json::object eni, CreateInterface(region, ctx.account, spec));
    std::string eni_id = GetString(eni, "NetworkInterfaceId");
    json::object address{{"NetworkInterfaceId", eni_id},
                         {"PrivateIp", GetString(eni, "PrivateIpAddress")},
                         {"IsPrimary", true},
                         {"Status", "succeeded"}};
    if (type == "public") {
      std::string assoc;
      FARGO_TRY(BindAddress(region, alloc_id, eni_id, "", &assoc));
      address["AllocationId"] = alloc_id;
      address["AssociationId"] = assoc;
      address["PublicIp"] = GetString(*addresses_.Find(Collection::Key(region, alloc_id)), "PublicIp");
    }
    nat["NatGatewayAddresses"] = json::array{std::move(address)};
    FARGO_TRY(nat_gateways_.Put(Collection::Key(region, id), nat));
  }
  json::object out{{"NatGateway", NatView(nat)}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteNatGateway(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "NatGatewayId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = nat_gateways_.Find(key);
  if (!found || Has(*found, "_DeletedAt")) return ec2::NatGatewayNotFound(id);
  json::object nat = *found;
  // The interface and the address mapping go at once; the gateway shows
  // "deleting" for a while.
  if (const json::array* addrs = GetArray(nat, "NatGatewayAddresses"))
    for (const auto& a : *addrs) {
      const auto& o = a.as_object();
      if (Has(o, "AllocationId") && Has(o, "AssociationId")) FARGO_TRY(UnbindAddress(ctx.region, GetString(o, "AllocationId")));
      if (std::string eni = GetString(o, "NetworkInterfaceId"); !eni.empty()) {
        Status s = DeleteInterface(ctx.region, eni);
        if (!s.ok() && s.error().code != "InvalidNetworkInterfaceID.NotFound") return s.error();
      }
    }
  nat["_DeletedAt"] = env_.clock.NowMillis();
  FARGO_TRY(nat_gateways_.Put(key, std::move(nat)));
  return json::object{{"NatGatewayId", id}};
}

Result<json::object> Ec2Service::DescribeNatGateways(CallContext& ctx, json::object& in) {
  if (Has(in, "Filter") && !Has(in, "Filters")) in["Filters"] = in["Filter"];
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"nat-gateway-id", "state", "subnet-id", "vpc-id"}));
  int64_t now = env_.clock.NowMillis();
  FARGO_ASSIGN_OR_RETURN(json::array all,
                         Select(nat_gateways_, ctx.region, GetArray(in, "NatGatewayIds"), ec2::NatGatewayNotFound,
                                filters, [](const json::object& n) { return NatFields(n); },
                                [this](const json::object& n) { return NatView(n); }));
  json::array out;
  for (auto& n : all) {
    const auto& o = n.as_object();
    if (Has(o, "_DeletedAt") && now > GetInt(o, "_DeletedAt") + kNatTransitionMs + kDeletedShownMs) continue;
    out.push_back(std::move(n));
  }
  return Page(in, std::move(out), "NatGateways");
}

}  // namespace fargo::services
