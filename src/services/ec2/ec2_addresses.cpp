// Elastic IPs: public addresses allocated to the account (domain vpc) and
// mapped to a network interface's private address, directly or through a
// NAT gateway.
//
// fargo hands out addresses from the documentation ranges 198.51.100.0/24
// and 203.0.113.0/24, which are never routed: an allocation keeps its address
// until released.
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

constexpr uint32_t kPools[] = {0xC6336400u /*198.51.100.0*/, 0xCB007100u /*203.0.113.0*/};
constexpr uint32_t kPoolSize = 2 * 254;  // .1 to .254 of each /24

uint32_t PoolAddress(uint32_t i) { return kPools[i / 254] + 1 + i % 254; }

uint32_t Fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

std::string PublicDnsName(const std::string& region, const std::string& ip) {
  std::string dashed = ip;
  for (auto& c : dashed)
    if (c == '.') c = '-';
  return "ec2-" + dashed + (region == "us-east-1" ? ".compute-1.amazonaws.com" : "." + region + ".compute.amazonaws.com");
}

ec2::FilterFields AddressFields(const json::object& a) {
  ec2::FilterFields f{{"allocation-id", GetString(a, "AllocationId")},
                      {"domain", GetString(a, "Domain")},
                      {"public-ip", GetString(a, "PublicIp")},
                      {"network-border-group", GetString(a, "NetworkBorderGroup")}};
  for (const auto& [filter, member] : {std::pair<const char*, const char*>{"association-id", "AssociationId"},
                                       {"instance-id", "InstanceId"},
                                       {"network-interface-id", "NetworkInterfaceId"},
                                       {"network-interface-owner-id", "NetworkInterfaceOwnerId"},
                                       {"private-ip-address", "PrivateIpAddress"}})
    if (Has(a, member)) f.emplace(filter, GetString(a, member));
  ec2::AddTagFields(a.if_contains("Tags"), f);
  return f;
}

}  // namespace

Result<json::object> Ec2Service::AllocateAddress(CallContext& ctx, json::object& in) {
  std::string domain = GetString(in, "Domain", "vpc");
  if (domain != "vpc" && domain != "standard")
    return AwsError::Make("InvalidParameterValue", "Value (" + domain + ") for parameter domain is invalid.");
  std::set<std::string> used;
  addresses_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& a) {
    used.insert(GetString(a, "PublicIp"));
  });
  std::string id = NewId("eipalloc");
  std::string ip;
  if (std::string want = GetString(in, "Address"); !want.empty()) {
    bool in_pool = false;
    for (uint32_t i = 0; i < kPoolSize; ++i) in_pool |= ec2::FormatIpv4(PoolAddress(i)) == want;
    if (!in_pool || used.count(want))
      return AwsError::Make("InvalidAddress.NotFound", "Address '" + want + "' not found.");
    ip = want;
  } else {
    uint32_t start = Fnv1a(id) % kPoolSize;
    for (uint32_t n = 0; n < kPoolSize && ip.empty(); ++n) {
      std::string candidate = ec2::FormatIpv4(PoolAddress((start + n) % kPoolSize));
      if (!used.count(candidate)) ip = candidate;
    }
    if (ip.empty())
      return AwsError::Make("AddressLimitExceeded", "The maximum number of addresses has been reached.");
  }
  std::string border = GetString(in, "NetworkBorderGroup", ctx.region);
  json::object address{{"AllocationId", id},
                       {"PublicIp", ip},
                       {"Domain", "vpc"},
                       {"PublicIpv4Pool", "amazon"},
                       {"NetworkBorderGroup", border},
                       {"Tags", TagsFor(in, "elastic-ip")}};
  FARGO_TRY(addresses_.Put(Collection::Key(ctx.region, id), address));
  return json::object{{"AllocationId", id},
                      {"PublicIp", ip},
                      {"Domain", "vpc"},
                      {"PublicIpv4Pool", "amazon"},
                      {"NetworkBorderGroup", border}};
}

// Finds the allocation a request names by AllocationId or PublicIp.
static Result<std::string> AllocationKeyOf(const store::Collection& addresses, const std::string& region,
                                           const json::object& in) {
  std::string alloc = GetString(in, "AllocationId");
  if (!alloc.empty()) {
    if (!addresses.Find(Collection::Key(region, alloc))) return ec2::AllocationNotFound(alloc);
    return Collection::Key(region, alloc);
  }
  std::string ip = GetString(in, "PublicIp");
  if (ip.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter AllocationId");
  std::string key;
  addresses.ForEachPrefix(region + "/", [&](const std::string& k, const json::object& a) {
    if (GetString(a, "PublicIp") == ip) key = k;
  });
  if (key.empty()) return AwsError::Make("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
  return key;
}

Result<json::object> Ec2Service::ReleaseAddress(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(std::string key, AllocationKeyOf(addresses_, ctx.region, in));
  const json::object& a = *addresses_.Find(key);
  if (Has(a, "AssociationId"))
    return AwsError::Make("InvalidIPAddress.InUse",
                          "Address with allocation id [" + GetString(a, "AllocationId") + "] is in use.");
  FARGO_TRY(addresses_.Erase(key));
  return json::object{};
}

Result<json::object> Ec2Service::DescribeAddresses(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{"allocation-id", "association-id", "domain", "instance-id",
                                              "network-border-group", "network-interface-id",
                                              "network-interface-owner-id", "private-ip-address", "public-ip"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  FARGO_ASSIGN_OR_RETURN(json::array all,
                         Select(addresses_, ctx.region, GetArray(in, "AllocationIds"), ec2::AllocationNotFound,
                                filters, [](const json::object& a) { return AddressFields(a); },
                                [](const json::object& a) { return a; }));
  const json::array* ips = GetArray(in, "PublicIps");
  if (!ips || ips->empty()) return json::object{{"Addresses", std::move(all)}};
  json::array out;
  for (const auto& ipv : *ips) {
    std::string ip = ipv.is_string() ? std::string(ipv.as_string()) : "";
    bool found = false;
    for (const auto& a : all)
      if (GetString(a.as_object(), "PublicIp") == ip) {
        out.push_back(a);
        found = true;
      }
    if (!found) return AwsError::Make("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
  }
  return json::object{{"Addresses", std::move(out)}};
}

Result<json::object> Ec2Service::DescribeAddressesAttribute(CallContext& ctx, json::object& in) {
  std::string attr = GetString(in, "Attribute", "domain-name");
  if (attr != "domain-name")
    return AwsError::Make("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid.");
  json::array out;
  auto add = [&](const json::object& a) {
    out.push_back(json::object{{"AllocationId", GetString(a, "AllocationId")}, {"PublicIp", GetString(a, "PublicIp")}});
  };
  if (const json::array* ids = GetArray(in, "AllocationIds"); ids && !ids->empty()) {
    for (const auto& v : *ids) {
      std::string id = v.is_string() ? std::string(v.as_string()) : "";
      const json::object* a = addresses_.Find(Collection::Key(ctx.region, id));
      if (!a) return ec2::AllocationNotFound(id);
      add(*a);
    }
  } else {
    addresses_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& a) { add(a); });
  }
  return Page(in, std::move(out), "Addresses");
}

Status Ec2Service::BindAddress(const std::string& region, const std::string& alloc_id, const std::string& eni_id,
                               const std::string& private_ip, std::string* association_id) {
  std::string akey = Collection::Key(region, alloc_id), ekey = Collection::Key(region, eni_id);
  json::object address = *addresses_.Find(akey);
  json::object eni = *interfaces_.Find(ekey);
  std::string ip = private_ip.empty() ? GetString(eni, "PrivateIpAddress") : private_ip;
  std::string assoc = NewId("eipassoc");
  std::string public_ip = GetString(address, "PublicIp");
  address["AssociationId"] = assoc;
  address["NetworkInterfaceId"] = eni_id;
  address["NetworkInterfaceOwnerId"] = GetString(eni, "OwnerId");
  address["PrivateIpAddress"] = ip;
  address["SubnetId"] = GetString(eni, "SubnetId");
  json::object association{{"AllocationId", alloc_id},
                           {"AssociationId", assoc},
                           {"IpOwnerId", GetString(eni, "OwnerId")},
                           {"PublicDnsName", PublicDnsName(region, public_ip)},
                           {"PublicIp", public_ip}};
  if (ip == GetString(eni, "PrivateIpAddress")) eni["Association"] = association;
  if (json::value* ips = eni.if_contains("PrivateIpAddresses"); ips && ips->is_array())
    for (auto& p : ips->as_array())
      if (p.is_object() && GetString(p.as_object(), "PrivateIpAddress") == ip) p.as_object()["Association"] = association;
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    FARGO_TRY(addresses_.Put(akey, std::move(address)));
    return interfaces_.Put(ekey, std::move(eni));
  }));
  if (association_id) *association_id = assoc;
  return OkStatus();
}

Status Ec2Service::UnbindAddress(const std::string& region, const std::string& alloc_id) {
  std::string akey = Collection::Key(region, alloc_id);
  const json::object* found = addresses_.Find(akey);
  if (!found) return OkStatus();
  json::object address = *found;
  std::string eni_id = GetString(address, "NetworkInterfaceId");
  for (const char* m : {"AssociationId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress",
                        "SubnetId", "InstanceId"})
    address.erase(m);
  return env_.store.Transaction([&]() -> Status {
    FARGO_TRY(addresses_.Put(akey, std::move(address)));
    std::string ekey = Collection::Key(region, eni_id);
    const json::object* e = interfaces_.Find(ekey);
    if (!e) return OkStatus();
    json::object eni = *e;
    eni.erase("Association");
    if (json::value* ips = eni.if_contains("PrivateIpAddresses"); ips && ips->is_array())
      for (auto& p : ips->as_array())
        if (p.is_object()) p.as_object().erase("Association");
    return interfaces_.Put(ekey, std::move(eni));
  });
}

Result<json::object> Ec2Service::AssociateAddress(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(std::string akey, AllocationKeyOf(addresses_, ctx.region, in));
  json::object address = *addresses_.Find(akey);
  std::string alloc_id = GetString(address, "AllocationId");
  if (std::string instance = GetString(in, "InstanceId"); !instance.empty())
    return AwsError::Make("InvalidInstanceID.NotFound", "The instance ID '" + instance + "' does not exist");
  std::string eni_id = GetString(in, "NetworkInterfaceId");
  if (eni_id.empty())
    return AwsError::Make("MissingParameter", "Either instance ID or network interface id must be specified");
  const json::object* eni = interfaces_.Find(Collection::Key(ctx.region, eni_id));
  if (!eni) return ec2::InterfaceNotFound(eni_id);
  std::string private_ip = GetString(in, "PrivateIpAddress");
  if (!private_ip.empty()) {
    bool owns = false;
    if (const json::array* ips = GetArray(*eni, "PrivateIpAddresses"))
      for (const auto& p : *ips) owns |= GetString(p.as_object(), "PrivateIpAddress") == private_ip;
    if (!owns)
      return AwsError::Make("InvalidParameterValue", "The private IP address " + private_ip +
                                                         " is not associated with the network interface " + eni_id);
  }
  std::string vpc_id = GetString(*eni, "VpcId");
  bool gateway = false;
  igws_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& g) {
    if (const json::array* at = GetArray(g, "Attachments"))
      for (const auto& a : *at) gateway |= GetString(a.as_object(), "VpcId") == vpc_id;
  });
  if (!gateway)
    return AwsError::Make("Gateway.NotAttached", "Network " + vpc_id + " is not attached to any internet gateway");
  if (Has(address, "AssociationId")) {
    if (!GetBool(in, "AllowReassociation"))
      return AwsError::Make("Resource.AlreadyAssociated", "resource " + alloc_id +
                                                              " is already associated with associate-id " +
                                                              GetString(address, "AssociationId"));
    FARGO_TRY(UnbindAddress(ctx.region, alloc_id));
  }
  // An address of the interface already mapped to another Elastic IP.
  std::string target_ip = private_ip.empty() ? GetString(*eni, "PrivateIpAddress") : private_ip;
  std::string other;
  addresses_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& a) {
    if (GetString(a, "NetworkInterfaceId") == eni_id && GetString(a, "PrivateIpAddress") == target_ip)
      other = GetString(a, "AllocationId");
  });
  if (!other.empty()) {
    if (!GetBool(in, "AllowReassociation"))
      return AwsError::Make("Resource.AlreadyAssociated",
                            "resource " + eni_id + " is already associated with allocation " + other);
    FARGO_TRY(UnbindAddress(ctx.region, other));
  }
  std::string assoc;
  FARGO_TRY(BindAddress(ctx.region, alloc_id, eni_id, private_ip, &assoc));
  return json::object{{"AssociationId", assoc}};
}

Result<json::object> Ec2Service::DisassociateAddress(CallContext& ctx, json::object& in) {
  std::string assoc = GetString(in, "AssociationId"), ip = GetString(in, "PublicIp");
  std::string alloc_id;
  addresses_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& a) {
    if (!Has(a, "AssociationId")) return;
    if ((!assoc.empty() && GetString(a, "AssociationId") == assoc) || (assoc.empty() && GetString(a, "PublicIp") == ip))
      alloc_id = GetString(a, "AllocationId");
  });
  if (alloc_id.empty()) {
    if (assoc.empty()) return AwsError::Make("InvalidAddress.NotFound", "Address '" + ip + "' not found.");
    return ec2::AssociationNotFound(assoc);
  }
  const json::object* a = addresses_.Find(Collection::Key(ctx.region, alloc_id));
  if (const json::object* eni = interfaces_.Find(Collection::Key(ctx.region, GetString(*a, "NetworkInterfaceId"))))
    if (GetString(*eni, "InterfaceType") == "nat_gateway")
      return AwsError::Make("AuthFailure", "You do not have permission to access the specified resource.", 400);
  FARGO_TRY(UnbindAddress(ctx.region, alloc_id));
  return json::object{};
}

}  // namespace fargo::services
