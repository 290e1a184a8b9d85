#include "services/elbv2/elbv2_service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "services/elbv2/elbv2_attributes.h"
#include "services/elbv2/elbv2_names.h"
#include "services/elbv2/elbv2_util.h"

namespace fargo::services {

using namespace elbv2;  // NOLINT: this file implements the elbv2 service

namespace {
// How long a new load balancer stays "provisioning".
constexpr int64_t kProvisioningMillis = 500;

std::vector<std::string> SubnetIds(const json::array& zones) {
  std::vector<std::string> out;
  for (const auto& z : zones) out.push_back(GetString(z.as_object(), "SubnetId"));
  return out;
}
}  // namespace

Elbv2Service::Elbv2Service(Env env)
    : env_(env),
      lbs_(env.store, "elbv2.load_balancers"),
      tgs_(env.store, "elbv2.target_groups"),
      listeners_(env.store, "elbv2.listeners"),
      rules_(env.store, "elbv2.rules") {}

Status Elbv2Service::Start() {
  FARGO_TRY(lbs_.Load());
  FARGO_TRY(tgs_.Load());
  FARGO_TRY(listeners_.Load());
  FARGO_TRY(rules_.Load());
  if (changed_) changed_();
  if (plan_changed_) plan_changed_();
  return OkStatus();
}

void Elbv2Service::Tick() {
  // Forget targets whose deregistration delay has ended.
  std::vector<std::string> keys;
  for (const auto& [key, doc] : tgs_.all()) {
    auto* targets = GetArray(doc, "targets");
    if (targets && LiveTargets(doc).size() != targets->size()) keys.push_back(key);
  }
  for (const auto& key : keys) {
    json::object doc = *tgs_.Find(key);
    doc["targets"] = LiveTargets(doc);
    (void)tgs_.Put(key, std::move(doc));
  }
  if (!keys.empty() && plan_changed_) plan_changed_();
}

Result<json::object> Elbv2Service::Invoke(CallContext& ctx, json::object& input) {
  auto out = Table().Dispatch(this, ctx, input);
  const std::string& op = ctx.op.name;
  if (out.ok() && changed_ && (op == "CreateLoadBalancer" || op == "DeleteLoadBalancer" || op == "SetSubnets"))
    changed_();
  if (out.ok() && plan_changed_ && op.rfind("Describe", 0) != 0) plan_changed_();
  return out;
}

std::vector<Elbv2Service::LoadBalancerDns> Elbv2Service::LoadBalancerDnsNames() const {
  std::vector<LoadBalancerDns> out;
  lbs_.ForEachPrefix("", [&](const std::string& key, const json::object& doc) {
    const json::object* lb = GetObject(doc, "lb");
    if (!lb) return;
    LoadBalancerDns d;
    d.region = key.substr(0, key.find('/'));
    d.vpc_id = GetString(*lb, "VpcId");
    d.dns_name = GetString(*lb, "DNSName");
    std::transform(d.dns_name.begin(), d.dns_name.end(), d.dns_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (const json::array* addrs = GetArray(doc, "addresses"))
      for (const auto& a : *addrs)
        if (a.is_string()) d.addresses.emplace_back(a.as_string());
    if (!d.vpc_id.empty() && !d.dns_name.empty()) out.push_back(std::move(d));
  });
  return out;
}

json::object Elbv2Service::LoadBalancerView(const json::object& doc) const {
  json::object lb = *GetObject(doc, "lb");
  bool active = env_.clock.NowMillis() - GetInt(doc, "createdMs") >= kProvisioningMillis;
  lb["State"] = json::object{{"Code", active ? "active" : "provisioning"}};
  return lb;
}

std::vector<std::string> Elbv2Service::ListenerKeysOf(const std::string& region, const std::string& lb_arn) const {
  std::vector<std::string> out;
  listeners_.ForEachPrefix(region + "/", [&](const std::string& key, const json::object& doc) {
    if (GetString(*GetObject(doc, "listener"), "LoadBalancerArn") == lb_arn) out.push_back(key);
  });
  return out;
}

Result<json::array> Elbv2Service::ResolveZones(const std::string& region, const json::object& in,
                                               std::string& vpc_id) const {
  json::array mappings;
  if (auto* subnets = GetArray(in, "Subnets"))
    for (const auto& s : *subnets) mappings.push_back(json::object{{"SubnetId", s}});
  if (auto* m = GetArray(in, "SubnetMappings")) {
    if (!mappings.empty())
      return AwsError::Make("ValidationError", "You can specify subnets or subnet mappings, not both");
    mappings = *m;
  }
  json::array zones;
  std::set<std::string> seen;
  for (size_t i = 0; i < mappings.size(); ++i) {
    const auto& m = mappings[i].as_object();
    std::string subnet = GetString(m, "SubnetId");
    if (subnet.empty()) return AwsError::Make("ValidationError", "A subnet ID must be specified");
    if (!seen.insert(subnet).second)
      return AwsError::Make("InvalidConfigurationRequest", "Subnet '" + subnet + "' is specified more than once");
    std::optional<SubnetInfo> info;
    if (subnet_resolver_) info = subnet_resolver_(region, subnet);
    std::string zone = info ? info->zone_name : DerivedZoneName(region, i);
    if (vpc_id.empty()) vpc_id = info ? info->vpc_id : DerivedVpcId(subnet);
    json::object az{{"ZoneName", zone}, {"SubnetId", subnet}};
    json::array addresses;
    json::object addr;
    if (auto ip = GetString(m, "PrivateIPv4Address"); !ip.empty()) addr["PrivateIPv4Address"] = ip;
    if (auto alloc = GetString(m, "AllocationId"); !alloc.empty()) addr["AllocationId"] = alloc;
    if (auto ip6 = GetString(m, "IPv6Address"); !ip6.empty()) addr["IPv6Address"] = ip6;
    if (!addr.empty()) addresses.push_back(std::move(addr));
    az["LoadBalancerAddresses"] = std::move(addresses);
    zones.push_back(std::move(az));
  }
  return zones;
}

Result<json::object> Elbv2Service::CreateLoadBalancer(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  FARGO_TRY(ValidateLoadBalancerName(name));
  std::string type = GetString(in, "Type", "application");
  std::string scheme = GetString(in, "Scheme", "internet-facing");
  std::string vpc_id;
  FARGO_ASSIGN_OR_RETURN(json::array zones, ResolveZones(ctx.region, in, vpc_id));
  if (type == "application" && zones.size() < 2)
    return AwsError::Make("ValidationError",
                          "At least two subnets in two different Availability Zones must be specified");
  if (zones.empty()) return AwsError::Make("ValidationError", "At least one subnet must be specified");
  if (type == "network" || type == "gateway")
    ;  // keeps LoadBalancerAddresses
  else
    for (auto& z : zones) z.as_object().erase("LoadBalancerAddresses");
  if (type == "gateway" && Has(in, "SecurityGroups"))
    return AwsError::Make("ValidationError", "Security groups are not supported for load balancers with type 'gateway'");
  // An application load balancer without groups gets the VPC's default
  // one; a network load balancer gets none (and can never get any later).
  json::array sgs;
  if (const json::array* given = GetArray(in, "SecurityGroups"); given && !given->empty()) {
    FARGO_ASSIGN_OR_RETURN(sgs, CheckSecurityGroups(ctx.region, vpc_id, *given));
  } else if (type == "application" && sg_hooks_.default_group) {
    if (std::string d = sg_hooks_.default_group(ctx.region, vpc_id); !d.empty()) sgs.push_back(json::string(d));
  }
  FARGO_ASSIGN_OR_RETURN(json::object tags, TagsFromList(GetArray(in, "Tags")));

  // Same name: the same settings are an idempotent success, others a conflict.
  const json::object* existing = nullptr;
  lbs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
    if (GetString(*GetObject(doc, "lb"), "LoadBalancerName") == name) existing = &doc;
  });
  if (existing) {
    const auto& lb = *GetObject(*existing, "lb");
    if (GetString(lb, "Type") == type && GetString(lb, "Scheme") == scheme && SubnetIds(*GetArray(lb, "AvailabilityZones")) == SubnetIds(zones))
      return json::object{{"LoadBalancers", json::array{LoadBalancerView(*existing)}}};
    return AwsError::Make("DuplicateLoadBalancerName", "A load balancer with the same name '" + name + "' exists, but with different settings");
  }

  std::string hex = env_.ids.Hex(16);
  std::string arn = LoadBalancerArn(ctx.region, ctx.account, type, name, hex);
  int64_t now = env_.clock.NowMillis();
  json::object lb{{"LoadBalancerArn", arn}};
  if (type != "gateway") {
    lb["DNSName"] = DnsName(type, scheme, name, ctx.region, env_.ids.Hex(16));
    lb["CanonicalHostedZoneId"] = CanonicalHostedZoneId(type, ctx.region);
  }
  lb["CreatedTime"] = static_cast<double>(now) / 1000.0;
  lb["LoadBalancerName"] = name;
  lb["Scheme"] = scheme;
  lb["VpcId"] = vpc_id;
  lb["Type"] = type;
  lb["AvailabilityZones"] = std::move(zones);
  if (!sgs.empty()) {
    if (type == "network") lb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = "on";
    lb["SecurityGroups"] = std::move(sgs);
  }
  lb["IpAddressType"] = GetString(in, "IpAddressType", "ipv4");
  json::array enis, addresses;
  FARGO_TRY(AllocateInterfaces(ctx, lb, lb["AvailabilityZones"].as_array(), json::array{}, enis, addresses));
  json::object doc{{"lb", std::move(lb)},
                   {"enis", std::move(enis)},
                   {"addresses", std::move(addresses)},
                   {"createdMs", now},
                   {"attributes", ToObject(DefaultLoadBalancerAttributes(type))},
                   {"tags", std::move(tags)}};
  json::object view = LoadBalancerView(doc);
  json::array made = *GetArray(doc, "enis");
  if (Status s = lbs_.Put(store::Collection::Key(ctx.region, arn), std::move(doc)); !s.ok()) {
    ReleaseInterfaces(ctx.region, made, json::array{});
    return s.error();
  }
  return json::object{{"LoadBalancers", json::array{std::move(view)}}};
}

Result<json::object> Elbv2Service::DescribeLoadBalancers(CallContext& ctx, json::object& in) {
  auto arns = Strings(in, "LoadBalancerArns");
  auto names = Strings(in, "Names");
  json::array items;
  if (!arns.empty()) {
    for (const auto& arn : arns) {
      auto* doc = lbs_.Find(store::Collection::Key(ctx.region, arn));
      if (!doc) return LoadBalancerNotFound();
      items.push_back(LoadBalancerView(*doc));
    }
  } else if (!names.empty()) {
    std::vector<std::string> missing;
    for (const auto& name : names) {
      const json::object* found = nullptr;
      lbs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
        if (GetString(*GetObject(doc, "lb"), "LoadBalancerName") == name) found = &doc;
      });
      if (found)
        items.push_back(LoadBalancerView(*found));
      else
        missing.push_back(name);
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      return AwsError::Make("LoadBalancerNotFound", "Load balancers '[" + list + "]' not found");
    }
  } else {
    lbs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
      items.push_back(LoadBalancerView(doc));
    });
  }
  json::object out;
  out["LoadBalancers"] = Page(std::move(items), in, out);
  return out;
}

Result<json::object> Elbv2Service::DeleteLoadBalancer(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "LoadBalancerArn");
  std::string key = store::Collection::Key(ctx.region, arn);
  auto* doc = lbs_.Find(key);
  if (!doc) return json::object{};  // deleting what does not exist succeeds, as on AWS
  if (GetString(*GetObject(*doc, "attributes"), "deletion_protection.enabled") == "true")
    return AwsError::Make("OperationNotPermitted",
                          "Load balancer '" + arn + "' cannot be deleted because deletion protection is enabled");
  auto listener_keys = ListenerKeysOf(ctx.region, arn);
  json::array enis = GetArray(*doc, "enis") ? *GetArray(*doc, "enis") : json::array{};
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& lk : listener_keys) {
      for (const auto& rk : RuleKeysOf(ctx.region, GetString(*GetObject(*listeners_.Find(lk), "listener"), "ListenerArn")))
        FARGO_TRY(rules_.Erase(rk));
      FARGO_TRY(listeners_.Erase(lk));
    }
    return lbs_.Erase(key);
  }));
  ReleaseInterfaces(ctx.region, enis, json::array{});
  return json::object{};
}

Result<json::object> Elbv2Service::DescribeLoadBalancerAttributes(CallContext& ctx, json::object& in) {
  return DescribeAttributes({lbs_, "LoadBalancerArn", "Load balancer", &LoadBalancerNotFound}, ctx, in);
}

Result<json::object> Elbv2Service::ModifyLoadBalancerAttributes(CallContext& ctx, json::object& in) {
  return ModifyAttributes({lbs_, "LoadBalancerArn", "Load balancer", &LoadBalancerNotFound}, ctx, in);
}

Result<json::object> Elbv2Service::SetSecurityGroups(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "LoadBalancerArn"));
  auto* found = lbs_.Find(key);
  if (!found) return LoadBalancerNotFound();
  json::object doc = *found;
  auto& lb = doc["lb"].as_object();
  std::string type = GetString(lb, "Type");
  if (type == "gateway")
    return AwsError::Make("InvalidConfigurationRequest", "Security groups are not supported for load balancers with type 'gateway'");
  // A network load balancer made without groups keeps none (AWS's rule).
  if (type == "network" && !lb.contains("SecurityGroups"))
    return AwsError::Make("InvalidConfigurationRequest",
                          "You cannot set security groups on a Network Load Balancer which was created without any "
                          "security groups.");
  const json::array* given = GetArray(in, "SecurityGroups");
  json::array none;
  if (!given) given = &none;
  if (type == "application" && given->empty())
    return AwsError::Make("ValidationError", "At least one security group must be specified for an Application Load Balancer");
  FARGO_ASSIGN_OR_RETURN(json::array sgs, CheckSecurityGroups(ctx.region, GetString(lb, "VpcId"), *given));
  json::object out{{"SecurityGroupIds", sgs}};
  if (type == "network") {
    std::string enforce = GetString(in, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
                                    GetString(lb, "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on"));
    if (enforce != "on" && enforce != "off")
      return AwsError::Make("ValidationError",
                            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic must be one of: on, off");
    lb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = enforce;
    out["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = enforce;
  }
  // Its interfaces carry the groups: EC2 shows them, filters follow.
  if (set_interface_groups_) {
    std::vector<std::string> ids;
    for (const auto& g : sgs) ids.emplace_back(g.as_string());
    if (const json::array* enis = GetArray(doc, "enis"))
      for (const auto& e : *enis)
        FARGO_TRY(set_interface_groups_(ctx.region, GetString(e.as_object(), "NetworkInterfaceId"), ids));
  }
  lb["SecurityGroups"] = std::move(sgs);
  FARGO_TRY(lbs_.Put(key, std::move(doc)));
  return out;
}

Result<json::array> Elbv2Service::CheckSecurityGroups(const std::string& region, const std::string& vpc_id,
                                                      const json::array& given) const {
  json::array out;
  std::set<std::string> seen;
  for (const auto& v : given) {
    std::string id = v.is_string() ? std::string(v.as_string()) : std::string();
    if (sg_hooks_.group_vpc) {
      std::string in_vpc = sg_hooks_.group_vpc(region, id);
      if (in_vpc.empty()) return AwsError::Make("InvalidSecurityGroup", "Security group '" + id + "' does not exist");
      if (in_vpc != vpc_id)
        return AwsError::Make("InvalidSecurityGroup",
                              "Security group '" + id + "' does not belong to VPC '" + vpc_id + "'");
    }
    if (seen.insert(id).second) out.push_back(json::string(id));
  }
  return out;
}

Result<json::object> Elbv2Service::SetSubnets(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "LoadBalancerArn"));
  auto* found = lbs_.Find(key);
  if (!found) return LoadBalancerNotFound();
  json::object doc = *found;
  auto& lb = doc["lb"].as_object();
  std::string vpc_id = GetString(lb, "VpcId");
  FARGO_ASSIGN_OR_RETURN(json::array zones, ResolveZones(ctx.region, in, vpc_id));
  std::string type = GetString(lb, "Type");
  if (type == "application" && zones.size() < 2)
    return AwsError::Make("ValidationError",
                          "At least two subnets in two different Availability Zones must be specified");
  if (zones.empty()) return AwsError::Make("ValidationError", "At least one subnet must be specified");
  if (type == "application")
    for (auto& z : zones) z.as_object().erase("LoadBalancerAddresses");
  if (auto t = GetString(in, "IpAddressType"); !t.empty()) lb["IpAddressType"] = t;
  json::array old_enis = GetArray(doc, "enis") ? *GetArray(doc, "enis") : json::array{};
  json::array enis, addresses;
  FARGO_TRY(AllocateInterfaces(ctx, lb, zones, old_enis, enis, addresses));
  lb["AvailabilityZones"] = zones;
  json::object out{{"AvailabilityZones", std::move(zones)}, {"IpAddressType", lb["IpAddressType"]}};
  doc["enis"] = std::move(enis);  // (lb is not used after this: it may move)
  doc["addresses"] = std::move(addresses);
  FARGO_TRY(lbs_.Put(key, std::move(doc)));
  ReleaseInterfaces(ctx.region, old_enis, *GetArray(*GetObject(*lbs_.Find(key), "lb"), "AvailabilityZones"));
  return out;
}

Result<json::object> Elbv2Service::SetIpAddressType(CallContext& ctx, json::object& in) {
  std::string key = store::Collection::Key(ctx.region, GetString(in, "LoadBalancerArn"));
  auto* found = lbs_.Find(key);
  if (!found) return LoadBalancerNotFound();
  json::object doc = *found;
  std::string t = GetString(in, "IpAddressType");
  doc["lb"].as_object()["IpAddressType"] = t;
  FARGO_TRY(lbs_.Put(key, std::move(doc)));
  return json::object{{"IpAddressType", t}};
}

Result<json::object> Elbv2Service::DescribeCapacityReservation(CallContext& ctx, json::object& in) {
  auto* doc = lbs_.Find(store::Collection::Key(ctx.region, GetString(in, "LoadBalancerArn")));
  if (!doc) return LoadBalancerNotFound();
  json::array states;
  for (const auto& z : *GetArray(*GetObject(*doc, "lb"), "AvailabilityZones"))
    states.push_back(json::object{{"State", json::object{{"Code", "provisioned"}}},
                                  {"AvailabilityZone", GetString(z.as_object(), "ZoneName")}});
  return json::object{{"LastModifiedTime", static_cast<double>(GetInt(*doc, "createdMs")) / 1000.0},
                      {"DecreaseRequestsRemaining", 3},
                      {"CapacityReservationState", std::move(states)}};
}

Result<json::object> Elbv2Service::DescribeAccountLimits(CallContext&, json::object&) {
  json::array limits;
  for (auto [n, m] : std::initializer_list<std::pair<const char*, const char*>>{
           {"application-load-balancers", "50"}, {"target-groups", "3000"},
           {"targets-per-application-load-balancer", "1000"}, {"listeners-per-application-load-balancer", "50"},
           {"rules-per-application-load-balancer", "100"}, {"network-load-balancers", "50"},
           {"targets-per-network-load-balancer", "3000"}, {"targets-per-availability-zone-per-network-load-balancer", "500"},
           {"listeners-per-network-load-balancer", "50"}, {"gateway-load-balancers", "100"}})
    limits.push_back(json::object{{"Name", n}, {"Max", m}});
  return json::object{{"Limits", std::move(limits)}};
}

// --- Tags ---------------------------------------------------------------

Result<store::Collection*> Elbv2Service::CollectionOfArn(const std::string& arn, std::string& tags_member) {
  tags_member = "tags";
  switch (KindOfArn(arn)) {
    case ArnKind::kLoadBalancer:
      return &lbs_;
    case ArnKind::kTargetGroup:
      return &tgs_;
    case ArnKind::kListener:
      return &listeners_;
    case ArnKind::kListenerRule:
      tags_member = "ruleTags";
      return &listeners_;
    default:
      return AwsError::Make("ValidationError", "'" + arn + "' is not a valid load balancer, target group, listener or rule ARN");
  }
}

namespace {

// The document key of an ARN's resource (rules live in their listener's document).
std::string DocKeyOfArn(const std::string& region, const std::string& arn) {
  if (KindOfArn(arn) != ArnKind::kListenerRule) return store::Collection::Key(region, arn);
  std::string l = arn;
  l.replace(l.find(":listener-rule/"), 15, ":listener/");
  return store::Collection::Key(region, l.substr(0, l.rfind('/')));
}

AwsError NotFoundFor(const std::string& arn) {
  switch (KindOfArn(arn)) {
    case ArnKind::kLoadBalancer:
      return LoadBalancerNotFound();
    case ArnKind::kTargetGroup:
      return TargetGroupNotFound();
    case ArnKind::kListener:
      return ListenerNotFound();
    default:
      return AwsError::Make("RuleNotFound", "One or more rules not found");
  }
}

}  // namespace

Result<json::object> Elbv2Service::AddTags(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(json::object add, TagsFromList(GetArray(in, "Tags")));
  auto arns = Strings(in, "ResourceArns");
  // Validate everything before writing anything.
  for (const auto& arn : arns) {
    if (const ListenerRule* r = rules_.Find(store::Collection::Key(ctx.region, arn))) {
      std::set<std::string> keys;
      for (const auto& [k, v] : r->tags) keys.insert(k);
      for (const auto& kv : add) keys.insert(std::string(kv.key()));
      if (keys.size() > 50)
        return AwsError::Make("TooManyTags", "The quota for the number of tags that can be assigned to a resource has been reached");
      continue;
    }
    std::string member;
    FARGO_ASSIGN_OR_RETURN(store::Collection * c, CollectionOfArn(arn, member));
    auto* doc = c->Find(DocKeyOfArn(ctx.region, arn));
    if (!doc || (member == "ruleTags" && GetString(*doc, "ruleArn") != arn)) return NotFoundFor(arn);
    json::object merged = GetObject(*doc, member) ? *GetObject(*doc, member) : json::object{};
    for (const auto& kv : add) merged[kv.key()] = kv.value();
    if (merged.size() > 50)
      return AwsError::Make("TooManyTags", "The quota for the number of tags that can be assigned to a resource has been reached");
  }
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& arn : arns) {
      if (const ListenerRule* found = rules_.Find(store::Collection::Key(ctx.region, arn))) {
        ListenerRule r = *found;
        for (const auto& kv : add) r.tags[std::string(kv.key())] = std::string(kv.value().as_string());
        FARGO_TRY(rules_.Put(store::Collection::Key(ctx.region, arn), std::move(r)));
        continue;
      }
      std::string member;
      store::Collection* c = CollectionOfArn(arn, member).value();
      std::string key = DocKeyOfArn(ctx.region, arn);
      json::object doc = *c->Find(key);
      json::object merged = GetObject(doc, member) ? *GetObject(doc, member) : json::object{};
      for (const auto& kv : add) merged[kv.key()] = kv.value();
      doc[member] = std::move(merged);
      FARGO_TRY(c->Put(key, std::move(doc)));
    }
    return OkStatus();
  }));
  return json::object{};
}

Result<json::object> Elbv2Service::RemoveTags(CallContext& ctx, json::object& in) {
  auto arns = Strings(in, "ResourceArns");
  auto keys = Strings(in, "TagKeys");
  for (const auto& arn : arns) {
    if (rules_.Find(store::Collection::Key(ctx.region, arn))) continue;
    std::string member;
    FARGO_ASSIGN_OR_RETURN(store::Collection * c, CollectionOfArn(arn, member));
    auto* doc = c->Find(DocKeyOfArn(ctx.region, arn));
    if (!doc || (member == "ruleTags" && GetString(*doc, "ruleArn") != arn)) return NotFoundFor(arn);
  }
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    for (const auto& arn : arns) {
      if (const ListenerRule* found = rules_.Find(store::Collection::Key(ctx.region, arn))) {
        ListenerRule r = *found;
        for (const auto& k : keys) r.tags.erase(k);
        FARGO_TRY(rules_.Put(store::Collection::Key(ctx.region, arn), std::move(r)));
        continue;
      }
      std::string member;
      store::Collection* c = CollectionOfArn(arn, member).value();
      std::string key = DocKeyOfArn(ctx.region, arn);
      json::object doc = *c->Find(key);
      json::object tags = GetObject(doc, member) ? *GetObject(doc, member) : json::object{};
      for (const auto& k : keys) tags.erase(k);
      doc[member] = std::move(tags);
      FARGO_TRY(c->Put(key, std::move(doc)));
    }
    return OkStatus();
  }));
  return json::object{};
}

Result<json::object> Elbv2Service::DescribeTags(CallContext& ctx, json::object& in) {
  json::array out;
  for (const auto& arn : Strings(in, "ResourceArns")) {
    if (const ListenerRule* r = rules_.Find(store::Collection::Key(ctx.region, arn))) {
      json::object tags;
      for (const auto& [k, v] : r->tags) tags[k] = v;
      out.push_back(json::object{{"ResourceArn", arn}, {"Tags", TagsToList(tags)}});
      continue;
    }
    std::string member;
    FARGO_ASSIGN_OR_RETURN(store::Collection * c, CollectionOfArn(arn, member));
    auto* doc = c->Find(DocKeyOfArn(ctx.region, arn));
    if (!doc || (member == "ruleTags" && GetString(*doc, "ruleArn") != arn)) return NotFoundFor(arn);
    auto* tags = GetObject(*doc, member);
    out.push_back(json::object{{"ResourceArn", arn}, {"Tags", tags ? TagsToList(*tags) : json::array{}}});
  }
  return json::object{{"TagDescriptions", std::move(out)}};
}

const HandlerTable<Elbv2Service>& Elbv2Service::Table() {
  static const HandlerTable<Elbv2Service> t{
      {"CreateLoadBalancer", &Elbv2Service::CreateLoadBalancer},
      {"DescribeLoadBalancers", &Elbv2Service::DescribeLoadBalancers},
      {"DeleteLoadBalancer", &Elbv2Service::DeleteLoadBalancer},
      {"DescribeLoadBalancerAttributes", &Elbv2Service::DescribeLoadBalancerAttributes},
      {"ModifyLoadBalancerAttributes", &Elbv2Service::ModifyLoadBalancerAttributes},
      {"SetSecurityGroups", &Elbv2Service::SetSecurityGroups},
      {"SetSubnets", &Elbv2Service::SetSubnets},
      {"SetIpAddressType", &Elbv2Service::SetIpAddressType},
      {"DescribeCapacityReservation", &Elbv2Service::DescribeCapacityReservation},
      {"DescribeAccountLimits", &Elbv2Service::DescribeAccountLimits},
      {"AddTags", &Elbv2Service::AddTags},
      {"RemoveTags", &Elbv2Service::RemoveTags},
      {"DescribeTags", &Elbv2Service::DescribeTags},
      {"CreateTargetGroup", &Elbv2Service::CreateTargetGroup},
      {"DescribeTargetGroups", &Elbv2Service::DescribeTargetGroups},
      {"ModifyTargetGroup", &Elbv2Service::ModifyTargetGroup},
      {"DeleteTargetGroup", &Elbv2Service::DeleteTargetGroup},
      {"DescribeTargetGroupAttributes", &Elbv2Service::DescribeTargetGroupAttributes},
      {"ModifyTargetGroupAttributes", &Elbv2Service::ModifyTargetGroupAttributes},
      {"RegisterTargets", &Elbv2Service::RegisterTargets},
      {"DeregisterTargets", &Elbv2Service::DeregisterTargets},
      {"DescribeTargetHealth", &Elbv2Service::DescribeTargetHealth},
      {"CreateListener", &Elbv2Service::CreateListener},
      {"DescribeListeners", &Elbv2Service::DescribeListeners},
      {"ModifyListener", &Elbv2Service::ModifyListener},
      {"DeleteListener", &Elbv2Service::DeleteListener},
      {"DescribeListenerAttributes", &Elbv2Service::DescribeListenerAttributes},
      {"ModifyListenerAttributes", &Elbv2Service::ModifyListenerAttributes},
      {"DescribeListenerCertificates", &Elbv2Service::DescribeListenerCertificates},
      {"DescribeSSLPolicies", &Elbv2Service::DescribeSSLPolicies},
      {"AddListenerCertificates", &Elbv2Service::AddListenerCertificates},
      {"RemoveListenerCertificates", &Elbv2Service::RemoveListenerCertificates},
      {"DescribeRules", &Elbv2Service::DescribeRules},
      {"CreateRule", &Elbv2Service::CreateRule},
      {"ModifyRule", &Elbv2Service::ModifyRule},
      {"DeleteRule", &Elbv2Service::DeleteRule},
      {"SetRulePriorities", &Elbv2Service::SetRulePriorities},
  };
  return t;
}

}  // namespace fargo::services
