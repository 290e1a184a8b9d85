// Subnets: ranges inside a VPC's block, one availability zone each.
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/regions.h"

namespace fargo::services {

using store::Collection;

namespace {

// AWS reserves the first four addresses and the last one of every subnet.
constexpr int64_t kReservedAddresses = 5;

AwsError BadCidr(const std::string& cidr) {
  return AwsError::Make("InvalidParameterValue",
                        "Value (" + cidr + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
}

AwsError BadZone(const std::string& member, const std::string& value, const std::vector<ec2::ZoneInfo>& zones,
                 bool by_id) {
  std::string list;
  for (const auto& z : zones) list += (list.empty() ? "" : ", ") + (by_id ? z.id : z.name);
  return AwsError::Make("InvalidParameterValue",
                        "Value (" + value + ") for parameter " + member +
                            " is invalid. Subnets can currently only be created in the following availability zones: " +
                            list + ".");
}

}  // namespace

const json::object* Ec2Service::FindSubnet(const std::string& region, const std::string& id) const {
  return subnets_.Find(Collection::Key(region, id));
}

int64_t Ec2Service::InterfacesIn(const std::string& region, const std::string& subnet_id) const {
  int64_t n = 0;
  interfaces_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& e) {
    n += GetString(e, "SubnetId") == subnet_id;
  });
  return n;
}

Result<json::object> Ec2Service::CreateSubnet(CallContext& ctx, json::object& in) {
  const std::string& region = ctx.region;
  std::string vpc_id = GetString(in, "VpcId");
  const json::object* vpc = FindVpc(region, vpc_id);
  if (!vpc) return ec2::VpcNotFound(vpc_id);
  std::string cidr_text = GetString(in, "CidrBlock");
  if (cidr_text.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter cidrBlock");
  auto cidr = ec2::ParseIpv4Cidr(cidr_text, /*strict=*/true);
  if (!cidr) return BadCidr(cidr_text);
  auto vpc_cidr = ec2::ParseIpv4Cidr(GetString(*vpc, "CidrBlock"));
  if (cidr->prefix < 16 || cidr->prefix > 28 || !vpc_cidr || !ec2::Contains(*vpc_cidr, *cidr))
    return AwsError::Make("InvalidSubnet.Range", "The CIDR '" + cidr_text + "' is invalid.");

  bool conflict = false;
  int64_t siblings = 0;
  subnets_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& s) {
    if (GetString(s, "VpcId") != vpc_id) return;
    ++siblings;
    auto other = ec2::ParseIpv4Cidr(GetString(s, "CidrBlock"));
    conflict |= other && ec2::Overlaps(*other, *cidr);
  });
  if (conflict)
    return AwsError::Make("InvalidSubnet.Conflict", "The CIDR '" + cidr_text + "' conflicts with another subnet");

  auto zones = ec2::ZonesOf(region);
  const ec2::ZoneInfo* zone = nullptr;
  if (std::string az = GetString(in, "AvailabilityZone"); !az.empty()) {
    for (const auto& z : zones)
      if (z.name == az) zone = &z;
    if (!zone) return BadZone("availabilityZone", az, zones, false);
  } else if (std::string az_id = GetString(in, "AvailabilityZoneId"); !az_id.empty()) {
    for (const auto& z : zones)
      if (z.id == az_id) zone = &z;
    if (!zone) return BadZone("availabilityZoneId", az_id, zones, true);
  } else {
    zone = &zones[static_cast<size_t>(siblings) % zones.size()];  // spread subnets over the zones
  }

  json::array ipv6;
  if (std::string v6 = GetString(in, "Ipv6CidrBlock"); !v6.empty()) {
    if (!ec2::IsIpv6Cidr(v6))
      return AwsError::Make("InvalidParameterValue",
                            "Value (" + v6 + ") for parameter ipv6CidrBlock is invalid. This is not a valid CIDR block.");
    ipv6.push_back(json::object{{"AssociationId", NewId("subnet-cidr-assoc")},
                                {"Ipv6CidrBlock", v6},
                                {"Ipv6CidrBlockState", json::object{{"State", "associated"}}}});
  }

  std::string id = NewId("subnet");
  json::object subnet{
      {"SubnetId", id},
      {"SubnetArn", "arn:aws:ec2:" + region + ":" + ctx.account + ":subnet/" + id},
      {"State", "available"},
      {"VpcId", vpc_id},
      {"CidrBlock", cidr->ToString()},
      {"AvailabilityZone", zone->name},
      {"AvailabilityZoneId", zone->id},
      {"OwnerId", ctx.account},
      {"DefaultForAz", false},
      {"MapPublicIpOnLaunch", false},
      {"MapCustomerOwnedIpOnLaunch", false},
      {"AssignIpv6AddressOnCreation", false},
      {"Ipv6CidrBlockAssociationSet", std::move(ipv6)},
      {"EnableDns64", false},
      {"Ipv6Native", GetBool(in, "Ipv6Native")},
      {"PrivateDnsNameOptionsOnLaunch", json::object{{"HostnameType", "ip-name"},
                                                     {"EnableResourceNameDnsARecord", false},
                                                     {"EnableResourceNameDnsAAAARecord", false}}},
      {"BlockPublicAccessStates", json::object{{"InternetGatewayBlockMode", "off"}}},
      {"Tags", TagsFor(in, "subnet")},
      {"_AclAssociationId", NewId("aclassoc")},
  };
  FARGO_TRY(subnets_.Put(Collection::Key(region, id), subnet));
  return json::object{{"Subnet", SubnetView(region, subnet)}};
}

Result<json::object> Ec2Service::DeleteSubnet(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "SubnetId");
  if (!FindSubnet(ctx.region, id)) return ec2::SubnetNotFound(id);
  if (InterfacesIn(ctx.region, id) > 0)
    return AwsError::Make("DependencyViolation", "The subnet '" + id + "' has dependencies and cannot be deleted.");
  // Its explicit route table association goes with it, as on AWS.
  std::vector<std::pair<std::string, json::object>> tables;
  route_tables_.ForEachPrefix(ctx.region + "/", [&](const std::string& key, const json::object& t) {
    const json::array* as = GetArray(t, "Associations");
    if (!as) return;
    json::array kept;
    for (const auto& a : *as)
      if (GetString(a.as_object(), "SubnetId") != id) kept.push_back(a);
    if (kept.size() == as->size()) return;
    json::object changed = t;
    changed["Associations"] = std::move(kept);
    tables.emplace_back(key, std::move(changed));
  });
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (auto& [key, t] : tables) FARGO_TRY(route_tables_.Put(key, std::move(t)));
    return subnets_.Erase(Collection::Key(ctx.region, id));
  }));
  return json::object{};
}

json::object Ec2Service::SubnetView(const std::string& region, const json::object& subnet) const {
  json::object v = subnet;
  auto cidr = ec2::ParseIpv4Cidr(GetString(subnet, "CidrBlock"));
  int64_t size = cidr ? static_cast<int64_t>(cidr->Size()) : 0;
  v["AvailableIpAddressCount"] =
      std::max<int64_t>(0, size - kReservedAddresses - InterfacesIn(region, GetString(subnet, "SubnetId")));
  return v;
}

ec2::FilterFields Ec2Service::SubnetFields(const json::object& s) const {
  std::string az = GetString(s, "AvailabilityZone"), az_id = GetString(s, "AvailabilityZoneId");
  std::string cidr = GetString(s, "CidrBlock");
  std::string default_for_az = ec2::BoolText(GetBool(s, "DefaultForAz"));
  ec2::FilterFields f{{"subnet-id", GetString(s, "SubnetId")},
                      {"subnet-arn", GetString(s, "SubnetArn")},
                      {"vpc-id", GetString(s, "VpcId")},
                      {"state", GetString(s, "State")},
                      {"owner-id", GetString(s, "OwnerId")},
                      {"availability-zone", az},
                      {"availabilityZone", az},
                      {"availability-zone-id", az_id},
                      {"availabilityZoneId", az_id},
                      {"cidr-block", cidr},
                      {"cidr", cidr},
                      {"cidrBlock", cidr},
                      {"default-for-az", default_for_az},
                      {"defaultForAz", default_for_az},
                      {"map-public-ip-on-launch", ec2::BoolText(GetBool(s, "MapPublicIpOnLaunch"))},
                      {"ipv6-native", ec2::BoolText(GetBool(s, "Ipv6Native"))},
                      {"available-ip-address-count", std::to_string(GetInt(s, "AvailableIpAddressCount"))}};
  if (auto* set = GetArray(s, "Ipv6CidrBlockAssociationSet"))
    for (const auto& a : *set) {
      f.emplace("ipv6-cidr-block-association.ipv6-cidr-block", GetString(a.as_object(), "Ipv6CidrBlock"));
      f.emplace("ipv6-cidr-block-association.association-id", GetString(a.as_object(), "AssociationId"));
      f.emplace("ipv6-cidr-block-association.state", "associated");
    }
  ec2::AddTagFields(s.if_contains("Tags"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeSubnets(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{
      "subnet-id", "subnet-arn", "vpc-id", "state", "owner-id", "availability-zone", "availabilityZone",
      "availability-zone-id", "availabilityZoneId", "cidr-block", "cidr", "cidrBlock", "default-for-az",
      "defaultForAz", "map-public-ip-on-launch", "ipv6-native", "available-ip-address-count",
      "ipv6-cidr-block-association.ipv6-cidr-block", "ipv6-cidr-block-association.association-id",
      "ipv6-cidr-block-association.state", "outpost-arn", "enable-dns64", "customer-owned-ipv4-pool"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  std::string region = ctx.region;
  FARGO_ASSIGN_OR_RETURN(
      json::array subnets,
      Select(subnets_, region, GetArray(in, "SubnetIds"), ec2::SubnetNotFound, filters,
             [this](const json::object& v) { return SubnetFields(v); },
             [this, &region](const json::object& s) { return SubnetView(region, s); }));
  return Page(in, std::move(subnets), "Subnets");
}

Result<json::object> Ec2Service::ModifySubnetAttribute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "SubnetId");
  const json::object* found = FindSubnet(ctx.region, id);
  if (!found) return ec2::SubnetNotFound(id);
  json::object subnet = *found;
  for (const char* member : {"MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "MapCustomerOwnedIpOnLaunch",
                             "EnableDns64"})
    if (const json::object* v = GetObject(in, member)) subnet[member] = GetBool(*v, "Value");
  json::object dns = GetObject(subnet, "PrivateDnsNameOptionsOnLaunch") ? *GetObject(subnet, "PrivateDnsNameOptionsOnLaunch")
                                                                       : json::object();
  if (Has(in, "PrivateDnsHostnameTypeOnLaunch")) dns["HostnameType"] = GetString(in, "PrivateDnsHostnameTypeOnLaunch");
  if (const json::object* v = GetObject(in, "EnableResourceNameDnsARecordOnLaunch"))
    dns["EnableResourceNameDnsARecord"] = GetBool(*v, "Value");
  if (const json::object* v = GetObject(in, "EnableResourceNameDnsAAAARecordOnLaunch"))
    dns["EnableResourceNameDnsAAAARecord"] = GetBool(*v, "Value");
  subnet["PrivateDnsNameOptionsOnLaunch"] = std::move(dns);
  if (Has(in, "CustomerOwnedIpv4Pool")) subnet["CustomerOwnedIpv4Pool"] = GetString(in, "CustomerOwnedIpv4Pool");
  if (Has(in, "EnableLniAtDeviceIndex")) subnet["EnableLniAtDeviceIndex"] = GetInt(in, "EnableLniAtDeviceIndex");
  if (const json::object* v = GetObject(in, "DisableLniAtDeviceIndex"); v && GetBool(*v, "Value"))
    subnet.erase("EnableLniAtDeviceIndex");
  FARGO_TRY(subnets_.Put(Collection::Key(ctx.region, id), std::move(subnet)));
  return json::object{};
}

}  // namespace fargo::services
