// Network interfaces: an address in a subnet with security groups. Created
// by users (CreateNetworkInterface) or, through CreateInterface, by the
// task runtime.
#include <set>

#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

std::string PrivateDnsName(const std::string& region, uint32_t addr) {
  std::string ip = ec2::FormatIpv4(addr);
  for (auto& c : ip)
    if (c == '.') c = '-';
  return "ip-" + ip + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

}  // namespace

Result<json::object> Ec2Service::CreateInterface(const std::string& region, const std::string& account,
                                                 const InterfaceSpec& spec) {
  const json::object* subnet = FindSubnet(region, spec.subnet_id);
  if (!subnet) return ec2::SubnetNotFound(spec.subnet_id);
  std::string vpc_id = GetString(*subnet, "VpcId");

  json::array groups;
  if (spec.group_ids.empty() && !spec.no_groups) {
    if (const json::object* g = FindGroupByName(region, vpc_id, "default"))
      groups.push_back(json::object{{"GroupId", GetString(*g, "GroupId")}, {"GroupName", "default"}});
  }
  for (const auto& gid : spec.group_ids) {
    const json::object* g = FindGroup(region, gid);
    if (!g) return ec2::GroupNotFound(gid);
    if (GetString(*g, "VpcId") != vpc_id)
      return AwsError::Make("InvalidParameterValue",
                            "Security group " + gid + " and subnet " + spec.subnet_id + " belong to different networks.");
    groups.push_back(json::object{{"GroupId", gid}, {"GroupName", GetString(*g, "GroupName")}});
  }

  auto cidr = ec2::ParseIpv4Cidr(GetString(*subnet, "CidrBlock"));
  if (!cidr) return AwsError::Make("InternalError", "subnet has no IPv4 range", 500);
  std::set<uint32_t> used;
  interfaces_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& e) {
    if (GetString(e, "SubnetId") != spec.subnet_id) return;
    if (auto a = ec2::ParseIpv4(GetString(e, "PrivateIpAddress"))) used.insert(*a);
  });
  // The first four addresses and the last one belong to AWS.
  uint32_t first = cidr->base + 4, last = cidr->Last() - 1;
  uint32_t addr = 0;
  if (!spec.private_ip.empty()) {
    auto want = ec2::ParseIpv4(spec.private_ip);
    if (!want || *want < first || *want > last)
      return AwsError::Make("InvalidParameterValue", "Address " + spec.private_ip +
                                                         " does not fall within the subnet's address range");
    if (used.count(*want)) return AwsError::Make("InvalidIPAddress.InUse", "The specified address is already in use.");
    addr = *want;
  } else {
    bool found = false;
    for (uint64_t a = first; a <= last; ++a)
      if (!used.count(static_cast<uint32_t>(a))) {
        addr = static_cast<uint32_t>(a);
        found = true;
        break;
      }
    if (!found)
      return AwsError::Make("InsufficientFreeAddressesInSubnet",
                            "There are not enough free addresses in subnet '" + spec.subnet_id +
                                "' to satisfy the requested number of instances.");
  }

  std::string mac = "02";
  std::string hex = env_.ids.Hex(10);
  for (size_t i = 0; i < hex.size(); i += 2) mac += ":" + hex.substr(i, 2);
  std::string id = NewId("eni");
  std::string ip = ec2::FormatIpv4(addr);
  std::string dns = PrivateDnsName(region, addr);
  json::object eni{
      {"NetworkInterfaceId", id},
      {"SubnetId", spec.subnet_id},
      {"VpcId", vpc_id},
      {"AvailabilityZone", GetString(*subnet, "AvailabilityZone")},
      {"AvailabilityZoneId", GetString(*subnet, "AvailabilityZoneId")},
      {"Description", spec.description},
      {"Groups", std::move(groups)},
      {"InterfaceType", spec.interface_type},
      {"Ipv6Addresses", json::array()},
      {"Ipv4Prefixes", json::array()},
      {"Ipv6Prefixes", json::array()},
      {"MacAddress", mac},
      {"OwnerId", account},
      {"PrivateDnsName", dns},
      {"PrivateIpAddress", ip},
      {"PrivateIpAddresses",
       json::array{json::object{{"Primary", true}, {"PrivateIpAddress", ip}, {"PrivateDnsName", dns}}}},
      {"RequesterManaged", spec.requester_managed},
      {"SourceDestCheck", true},
      {"Status", spec.status},
      {"TagSet", spec.tags},
  };
  if (!spec.requester_id.empty()) eni["RequesterId"] = spec.requester_id;
  FARGO_TRY(interfaces_.Put(Collection::Key(region, id), eni));
  SecurityChanged();  // a new member of its groups
  return eni;
}

Status Ec2Service::DeleteInterface(const std::string& region, const std::string& eni_id) {
  std::string key = Collection::Key(region, eni_id);
  if (!interfaces_.Find(key)) return ec2::InterfaceNotFound(eni_id);
  FARGO_TRY(interfaces_.Erase(key));
  SecurityChanged();
  // Routes through the interface now lead nowhere.
  return RefreshRouteStates(region);
}

Status Ec2Service::SetInterfaceGroups(const std::string& region, const std::string& eni_id,
                                      const std::vector<std::string>& group_ids) {
  std::string key = Collection::Key(region, eni_id);
  const json::object* found = interfaces_.Find(key);
  if (!found) return ec2::InterfaceNotFound(eni_id);
  json::array groups;
  for (const auto& gid : group_ids) {
    const json::object* g = FindGroup(region, gid);
    if (!g) return ec2::GroupNotFound(gid);
    groups.push_back(json::object{{"GroupId", gid}, {"GroupName", GetString(*g, "GroupName")}});
  }
  json::object eni = *found;
  eni["Groups"] = std::move(groups);
  FARGO_TRY(interfaces_.Put(key, std::move(eni)));
  SecurityChanged();  // its filter and the groups' members
  return OkStatus();
}

std::string Ec2Service::GroupVpc(const std::string& region, const std::string& group_id) const {
  const json::object* g = FindGroup(region, group_id);
  return g ? GetString(*g, "VpcId") : std::string();
}

std::string Ec2Service::DefaultGroupId(const std::string& region, const std::string& vpc_id) const {
  const json::object* g = FindGroupByName(region, vpc_id, "default");
  return g ? GetString(*g, "GroupId") : std::string();
}

Result<json::object> Ec2Service::CreateNetworkInterface(CallContext& ctx, json::object& in) {
  InterfaceSpec spec;
  spec.subnet_id = GetString(in, "SubnetId");
  spec.description = GetString(in, "Description");
  spec.private_ip = GetString(in, "PrivateIpAddress");
  if (const json::array* g = GetArray(in, "Groups"))
    for (const auto& v : *g)
      if (v.is_string()) spec.group_ids.emplace_back(v.as_string());
  if (Has(in, "InterfaceType")) spec.interface_type = GetString(in, "InterfaceType");
  spec.tags = TagsFor(in, "network-interface");
  FARGO_ASSIGN_OR_RETURN(json::object eni, CreateInterface(ctx.region, ctx.account, spec));
  json::object out{{"NetworkInterface", std::move(eni)}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteNetworkInterface(CallContext& ctx, json::object& in) {
  FARGO_TRY(DeleteInterface(ctx.region, GetString(in, "NetworkInterfaceId")));
  return json::object{};
}

ec2::FilterFields Ec2Service::InterfaceFields(const json::object& e) const {
  std::string ip = GetString(e, "PrivateIpAddress");
  ec2::FilterFields f{{"network-interface-id", GetString(e, "NetworkInterfaceId")},
                      {"subnet-id", GetString(e, "SubnetId")},
                      {"vpc-id", GetString(e, "VpcId")},
                      {"availability-zone", GetString(e, "AvailabilityZone")},
                      {"description", GetString(e, "Description")},
                      {"status", GetString(e, "Status")},
                      {"interface-type", GetString(e, "InterfaceType")},
                      {"mac-address", GetString(e, "MacAddress")},
                      {"owner-id", GetString(e, "OwnerId")},
                      {"private-ip-address", ip},
                      {"addresses.private-ip-address", ip},
                      {"addresses.primary", "true"},
                      {"private-dns-name", GetString(e, "PrivateDnsName")},
                      {"requester-managed", ec2::BoolText(GetBool(e, "RequesterManaged"))},
                      {"source-dest-check", ec2::BoolText(GetBool(e, "SourceDestCheck"))}};
  if (Has(e, "RequesterId")) f.emplace("requester-id", GetString(e, "RequesterId"));
  if (const json::object* a = GetObject(e, "Association")) {
    f.emplace("association.public-ip", GetString(*a, "PublicIp"));
    f.emplace("association.allocation-id", GetString(*a, "AllocationId"));
    f.emplace("association.association-id", GetString(*a, "AssociationId"));
  }
  if (const json::object* a = GetObject(e, "Attachment")) {
    f.emplace("attachment.instance-id", GetString(*a, "InstanceId"));
    f.emplace("attachment.attachment-id", GetString(*a, "AttachmentId"));
    f.emplace("attachment.status", GetString(*a, "Status"));
  }
  if (const json::array* gs = GetArray(e, "Groups"))
    for (const auto& g : *gs) {
      f.emplace("group-id", GetString(g.as_object(), "GroupId"));
      f.emplace("group-name", GetString(g.as_object(), "GroupName"));
    }
  ec2::AddTagFields(e.if_contains("TagSet"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeNetworkInterfaces(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{
      "network-interface-id", "subnet-id", "vpc-id", "availability-zone", "description", "status",
      "interface-type", "mac-address", "owner-id", "private-ip-address", "addresses.private-ip-address",
      "addresses.primary", "private-dns-name", "requester-managed", "source-dest-check", "requester-id",
      "attachment.instance-id", "attachment.attachment-id", "attachment.status", "attachment.device-index",
      "attachment.instance-owner-id", "attachment.delete-on-termination", "group-id", "group-name",
      "association.public-ip", "association.allocation-id", "association.association-id", "ipv6-addresses.ipv6-address"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  FARGO_ASSIGN_OR_RETURN(json::array enis,
                         Select(interfaces_, ctx.region, GetArray(in, "NetworkInterfaceIds"), ec2::InterfaceNotFound,
                                filters, [this](const json::object& v) { return InterfaceFields(v); },
                                [](const json::object& e) { return e; }));
  return Page(in, std::move(enis), "NetworkInterfaces");
}

}  // namespace fargo::services
