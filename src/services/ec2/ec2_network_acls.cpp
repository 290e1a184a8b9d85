// Network ACLs: numbered stateless rules per direction, one ACL per subnet.
// Every subnet starts with its VPC's default ACL; ReplaceNetworkAclAssociation
// moves it (the subnet document remembers its ACL in _NetworkAclId and the
// association in _AclAssociationId).
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

constexpr int64_t kDefaultRule = 32767;     // the "*" rule of IPv4
constexpr int64_t kDefaultRuleV6 = 32768;   // the "*" rule of IPv6

json::object Entry(int64_t rule, bool egress, const char* action, bool ipv6) {
  json::object e{{"RuleNumber", rule}, {"Protocol", "-1"}, {"RuleAction", action}, {"Egress", egress}};
  if (ipv6)
    e["Ipv6CidrBlock"] = "::/0";
  else
    e["CidrBlock"] = "0.0.0.0/0";
  return e;
}

// The protocol as EC2 stores it: a number, "-1" for all.
std::optional<std::string> NormalizeProtocol(const std::string& p) {
  std::string l = ToLower(p);
  if (l == "all" || l == "-1") return "-1";
  if (l == "tcp") return "6";
  if (l == "udp") return "17";
  if (l == "icmp") return "1";
  if (l == "icmpv6") return "58";
  if (l.empty() || l.size() > 3) return std::nullopt;
  for (char c : l)
    if (c < '0' || c > '9') return std::nullopt;
  if (std::stoi(l) > 255) return std::nullopt;
  return std::to_string(std::stoi(l));
}

}  // namespace

json::array Ec2Service::InitialAclEntries(bool is_default, bool ipv6) {
  json::array out;
  for (bool egress : {true, false}) {
    if (is_default) {
      out.push_back(Entry(100, egress, "allow", false));
      if (ipv6) out.push_back(Entry(101, egress, "allow", true));
    }
    out.push_back(Entry(kDefaultRule, egress, "deny", false));
    if (ipv6) out.push_back(Entry(kDefaultRuleV6, egress, "deny", true));
  }
  return out;
}

std::string Ec2Service::AclOfSubnet(const std::string& region, const json::object& subnet) const {
  std::string chosen = GetString(subnet, "_NetworkAclId");
  if (!chosen.empty() && acls_.Find(Collection::Key(region, chosen))) return chosen;
  std::string vpc_id = GetString(subnet, "VpcId"), def;
  acls_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& a) {
    if (GetString(a, "VpcId") == vpc_id && GetBool(a, "IsDefault")) def = GetString(a, "NetworkAclId");
  });
  return def;
}

json::object Ec2Service::AclView(const std::string& region, const json::object& acl) const {
  json::object v = acl;
  json::array assoc;
  std::string vpc_id = GetString(acl, "VpcId"), acl_id = GetString(acl, "NetworkAclId");
  subnets_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& s) {
    if (GetString(s, "VpcId") != vpc_id || AclOfSubnet(region, s) != acl_id) return;
    assoc.push_back(json::object{{"NetworkAclAssociationId", GetString(s, "_AclAssociationId")},
                                 {"NetworkAclId", acl_id},
                                 {"SubnetId", GetString(s, "SubnetId")}});
  });
  v["Associations"] = std::move(assoc);
  return v;
}

ec2::FilterFields Ec2Service::AclFields(const json::object& acl) const {
  ec2::FilterFields f{{"network-acl-id", GetString(acl, "NetworkAclId")},
                      {"vpc-id", GetString(acl, "VpcId")},
                      {"default", ec2::BoolText(GetBool(acl, "IsDefault"))},
                      {"owner-id", GetString(acl, "OwnerId")}};
  if (auto* a = GetArray(acl, "Associations"))
    for (const auto& x : *a) {
      f.emplace("association.subnet-id", GetString(x.as_object(), "SubnetId"));
      f.emplace("association.network-acl-id", GetString(x.as_object(), "NetworkAclId"));
      f.emplace("association.association-id", GetString(x.as_object(), "NetworkAclAssociationId"));
    }
  if (auto* e = GetArray(acl, "Entries"))
    for (const auto& x : *e) {
      const auto& o = x.as_object();
      f.emplace("entry.rule-number", std::to_string(GetInt(o, "RuleNumber")));
      if (Has(o, "CidrBlock")) f.emplace("entry.cidr", GetString(o, "CidrBlock"));
      if (Has(o, "Ipv6CidrBlock")) f.emplace("entry.ipv6-cidr", GetString(o, "Ipv6CidrBlock"));
      f.emplace("entry.egress", ec2::BoolText(GetBool(o, "Egress")));
      f.emplace("entry.protocol", GetString(o, "Protocol"));
      f.emplace("entry.rule-action", GetString(o, "RuleAction"));
      if (const json::object* p = GetObject(o, "PortRange")) {
        f.emplace("entry.port-range.from", std::to_string(GetInt(*p, "From")));
        f.emplace("entry.port-range.to", std::to_string(GetInt(*p, "To")));
      }
      if (const json::object* i = GetObject(o, "IcmpTypeCode")) {
        f.emplace("entry.icmp.code", std::to_string(GetInt(*i, "Code")));
        f.emplace("entry.icmp.type", std::to_string(GetInt(*i, "Type")));
      }
    }
  ec2::AddTagFields(acl.if_contains("Tags"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeNetworkAcls(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters{
      "network-acl-id", "vpc-id", "default", "owner-id", "association.subnet-id", "association.network-acl-id",
      "association.association-id", "entry.rule-number", "entry.cidr", "entry.egress", "entry.protocol",
      "entry.rule-action", "entry.ipv6-cidr", "entry.port-range.from", "entry.port-range.to",
      "entry.icmp.code", "entry.icmp.type"};
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  std::string region = ctx.region;
  FARGO_ASSIGN_OR_RETURN(
      json::array acls,
      Select(acls_, region, GetArray(in, "NetworkAclIds"), ec2::AclNotFound, filters,
             [this](const json::object& v) { return AclFields(v); },
             [this, &region](const json::object& a) { return AclView(region, a); }));
  return Page(in, std::move(acls), "NetworkAcls");
}

Result<json::object> Ec2Service::CreateNetworkAcl(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  if (vpc_id.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter vpcId");
  const json::object* vpc = FindVpc(ctx.region, vpc_id);
  if (!vpc) return ec2::VpcNotFound(vpc_id);
  const json::array* v6 = GetArray(*vpc, "Ipv6CidrBlockAssociationSet");
  std::string id = NewId("acl");
  json::object acl{{"NetworkAclId", id},
                   {"VpcId", vpc_id},
                   {"IsDefault", false},
                   {"OwnerId", ctx.account},
                   {"Tags", TagsFor(in, "network-acl")},
                   {"Entries", InitialAclEntries(/*is_default=*/false, v6 && !v6->empty())}};
  FARGO_TRY(acls_.Put(Collection::Key(ctx.region, id), acl));
  json::object out{{"NetworkAcl", AclView(ctx.region, acl)}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteNetworkAcl(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "NetworkAclId");
  const json::object* acl = acls_.Find(Collection::Key(ctx.region, id));
  if (!acl) return ec2::AclNotFound(id);
  if (GetBool(*acl, "IsDefault"))
    return AwsError::Make("InvalidParameterValue", "cannot delete default network ACL " + id);
  const json::array* assoc = GetArray(AclView(ctx.region, *acl), "Associations");
  if (assoc && !assoc->empty())
    return AwsError::Make("DependencyViolation", "The networkAcl '" + id + "' has dependencies and cannot be deleted.");
  FARGO_TRY(acls_.Erase(Collection::Key(ctx.region, id)));
  return json::object{};
}

namespace {

// The entry `in` describes (CreateNetworkAclEntry / ReplaceNetworkAclEntry).
Result<json::object> EntryOf(const json::object& in) {
  int64_t rule = GetInt(in, "RuleNumber", 0);
  if (rule < 1 || rule > 32766)
    return AwsError::Make("InvalidParameterValue", "Value (" + std::to_string(rule) +
                                                       ") for parameter ruleNumber is invalid. Rule number must be "
                                                       "between 1 and 32766.");
  auto protocol = NormalizeProtocol(GetString(in, "Protocol"));
  if (!protocol)
    return AwsError::Make("InvalidParameterValue",
                          "Value (" + GetString(in, "Protocol") + ") for parameter protocol is invalid.");
  std::string action = ToLower(GetString(in, "RuleAction"));
  if (action != "allow" && action != "deny")
    return AwsError::Make("InvalidParameterValue",
                          "Value (" + GetString(in, "RuleAction") + ") for parameter ruleAction is invalid.");
  std::string v4 = GetString(in, "CidrBlock"), v6 = GetString(in, "Ipv6CidrBlock");
  if (v4.empty() == v6.empty())
    return AwsError::Make("InvalidParameterCombination",
                          "The request must contain exactly one of cidrBlock or ipv6CidrBlock");
  json::object e{{"RuleNumber", rule}, {"Protocol", *protocol}, {"RuleAction", action}, {"Egress", GetBool(in, "Egress")}};
  if (!v4.empty()) {
    auto c = ec2::ParseIpv4Cidr(v4, /*strict=*/false);
    if (!c)
      return AwsError::Make("InvalidParameterValue",
                            "Value (" + v4 + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
    e["CidrBlock"] = c->ToString();
  } else {
    if (!ec2::IsIpv6Cidr(v6))
      return AwsError::Make("InvalidParameterValue", "Value (" + v6 +
                                                         ") for parameter ipv6CidrBlock is invalid. This is not a valid CIDR block.");
    e["Ipv6CidrBlock"] = v6;
  }
  if (*protocol == "6" || *protocol == "17") {
    const json::object* p = GetObject(in, "PortRange");
    if (!p || !Has(*p, "From") || !Has(*p, "To"))
      return AwsError::Make("InvalidParameterValue",
                            "TCP and UDP rules require the parameter portRange (from and to)");
    int64_t from = GetInt(*p, "From"), to = GetInt(*p, "To");
    if (from < 0 || to > 65535 || from > to)
      return AwsError::Make("InvalidParameterValue", "The port range " + std::to_string(from) + "-" +
                                                         std::to_string(to) + " is invalid.");
    e["PortRange"] = json::object{{"From", from}, {"To", to}};
  }
  if (*protocol == "1" || *protocol == "58") {
    const json::object* i = GetObject(in, "IcmpTypeCode");
    e["IcmpTypeCode"] = json::object{{"Code", i ? GetInt(*i, "Code", -1) : -1}, {"Type", i ? GetInt(*i, "Type", -1) : -1}};
  }
  return e;
}

bool SameRule(const json::object& e, int64_t rule, bool egress) {
  return GetInt(e, "RuleNumber") == rule && GetBool(e, "Egress") == egress;
}

}  // namespace

Result<json::object> Ec2Service::CreateNetworkAclEntry(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "NetworkAclId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = acls_.Find(key);
  if (!found) return ec2::AclNotFound(id);
  FARGO_ASSIGN_OR_RETURN(json::object entry, EntryOf(in));
  json::object acl = *found;
  json::array entries = GetArray(acl, "Entries") ? *GetArray(acl, "Entries") : json::array();
  int64_t rule = GetInt(entry, "RuleNumber");
  bool egress = GetBool(entry, "Egress");
  for (const auto& e : entries)
    if (SameRule(e.as_object(), rule, egress))
      return AwsError::Make("NetworkAclEntryAlreadyExists",
                            "The network acl entry identified by " + std::to_string(rule) + " already exists.");
  entries.push_back(std::move(entry));
  acl["Entries"] = std::move(entries);
  FARGO_TRY(acls_.Put(key, std::move(acl)));
  return json::object{};
}

Result<json::object> Ec2Service::ReplaceNetworkAclEntry(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "NetworkAclId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = acls_.Find(key);
  if (!found) return ec2::AclNotFound(id);
  FARGO_ASSIGN_OR_RETURN(json::object entry, EntryOf(in));
  json::object acl = *found;
  json::array entries = GetArray(acl, "Entries") ? *GetArray(acl, "Entries") : json::array();
  bool replaced = false;
  for (auto& e : entries)
    if (SameRule(e.as_object(), GetInt(entry, "RuleNumber"), GetBool(entry, "Egress"))) {
      e = entry;
      replaced = true;
    }
  if (!replaced)
    return AwsError::Make("InvalidNetworkAclEntry.NotFound", "The specified rule does not exist in this network acl.");
  acl["Entries"] = std::move(entries);
  FARGO_TRY(acls_.Put(key, std::move(acl)));
  return json::object{};
}

Result<json::object> Ec2Service::DeleteNetworkAclEntry(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "NetworkAclId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = acls_.Find(key);
  if (!found) return ec2::AclNotFound(id);
  int64_t rule = GetInt(in, "RuleNumber");
  bool egress = GetBool(in, "Egress");
  if (rule == kDefaultRule || rule == kDefaultRuleV6)
    return AwsError::Make("InvalidParameterValue", "Value (" + std::to_string(rule) +
                                                       ") for parameter ruleNumber is invalid. The default rule "
                                                       "cannot be deleted.");
  json::object acl = *found;
  json::array kept;
  bool removed = false;
  for (const auto& e : GetArray(acl, "Entries") ? *GetArray(acl, "Entries") : json::array()) {
    if (SameRule(e.as_object(), rule, egress)) {
      removed = true;
      continue;
    }
    kept.push_back(e);
  }
  if (!removed)
    return AwsError::Make("InvalidNetworkAclEntry.NotFound", "The specified rule does not exist in this network acl.");
  acl["Entries"] = std::move(kept);
  FARGO_TRY(acls_.Put(key, std::move(acl)));
  return json::object{};
}

Result<json::object> Ec2Service::ReplaceNetworkAclAssociation(CallContext& ctx, json::object& in) {
  std::string assoc = GetString(in, "AssociationId"), acl_id = GetString(in, "NetworkAclId");
  std::string subnet_key;
  subnets_.ForEachPrefix(ctx.region + "/", [&](const std::string& k, const json::object& s) {
    if (GetString(s, "_AclAssociationId") == assoc) subnet_key = k;
  });
  if (subnet_key.empty()) return ec2::AssociationNotFound(assoc);
  const json::object* acl = acls_.Find(Collection::Key(ctx.region, acl_id));
  if (!acl) return ec2::AclNotFound(acl_id);
  json::object subnet = *subnets_.Find(subnet_key);
  if (GetString(*acl, "VpcId") != GetString(subnet, "VpcId"))
    return AwsError::Make("InvalidParameterValue", "Network ACL " + acl_id + " and subnet " +
                                                       GetString(subnet, "SubnetId") + " belong to different networks");
  std::string fresh = NewId("aclassoc");
  subnet["_AclAssociationId"] = fresh;
  subnet["_NetworkAclId"] = acl_id;
  FARGO_TRY(subnets_.Put(subnet_key, std::move(subnet)));
  return json::object{{"NewAssociationId", fresh}};
}

}  // namespace fargo::services
