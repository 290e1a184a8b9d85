// Security groups and their rules. A group document keeps its rules in
// `_Rules` (SecurityGroupRule-shaped, one per peer); the IpPermissions views
// are derived on the way out.
#include "common/strings.h"
#include "services/ec2/cidr.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/sg_rules.h"

namespace fargo::services {

using store::Collection;

namespace {

AwsError GroupNameNotFound(const std::string& name) {
  return AwsError::Make("InvalidGroup.NotFound",
                        "The security group '" + name + "' does not exist in default VPC 'none'");
}

// EC2 rejects malformed peers before looking at anything else.
Status CheckPeers(const std::vector<json::object>& rules) {
  for (const auto& r : rules) {
    if (auto* c = r.if_contains("CidrIpv4")) {
      std::string text(c->as_string());
      if (!ec2::ParseIpv4Cidr(text, /*strict=*/true))
        return AwsError::Make("InvalidParameterValue", "CIDR block " + text + " is malformed");
    }
    if (auto* c = r.if_contains("CidrIpv6")) {
      std::string text(c->as_string());
      if (!ec2::IsIpv6Cidr(text))
        return AwsError::Make("InvalidParameterValue", "CIDR block " + text + " is malformed");
    }
  }
  return OkStatus();
}

const json::array& RulesOf(const json::object& group) {
  static const json::array kNone;
  const json::array* r = GetArray(group, "_Rules");
  return r ? *r : kNone;
}

}  // namespace

const json::object* Ec2Service::FindGroup(const std::string& region, const std::string& id) const {
  return groups_.Find(Collection::Key(region, id));
}

const json::object* Ec2Service::FindGroupByName(const std::string& region, const std::string& vpc_id,
                                                const std::string& name) const {
  const json::object* found = nullptr;
  groups_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& g) {
    if (!found && GetString(g, "GroupName") == name && (vpc_id.empty() || GetString(g, "VpcId") == vpc_id))
      found = &g;
  });
  return found;
}

Result<const json::object*> Ec2Service::ResolveGroup(const std::string& region, const json::object& in) {
  if (std::string id = GetString(in, "GroupId"); !id.empty()) {
    const json::object* g = FindGroup(region, id);
    if (!g) return ec2::GroupNotFound(id);
    return g;
  }
  if (std::string name = GetString(in, "GroupName"); !name.empty()) {
    const json::object* g = FindGroupByName(region, "", name);
    if (!g) return GroupNameNotFound(name);
    return g;
  }
  return AwsError::Make("MissingParameter", "The request must contain the parameter groupName or groupId");
}

Result<json::object> Ec2Service::CreateSecurityGroup(CallContext& ctx, json::object& in) {
  const std::string& region = ctx.region;
  std::string name = GetString(in, "GroupName");
  std::string vpc_id = GetString(in, "VpcId");
  if (vpc_id.empty())
    return AwsError::Make("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for "
                                               "EC2-Classic and default VPC.");
  if (!FindVpc(region, vpc_id)) return ec2::VpcNotFound(vpc_id);
  if (name == "default")
    return AwsError::Make("InvalidGroup.Reserved", "The security group 'default' is reserved");
  if (StartsWith(name, "sg-"))
    return AwsError::Make("InvalidParameterValue", "Group names may not be in the format sg-*");
  if (name.size() > 255 || GetString(in, "Description").size() > 255)
    return AwsError::Make("InvalidParameterValue", "Group name and description may be at most 255 characters");
  if (FindGroupByName(region, vpc_id, name))
    return AwsError::Make("InvalidGroup.Duplicate",
                          "The security group '" + name + "' already exists for VPC '" + vpc_id + "'");
  std::string id = NewId("sg");
  std::string arn = "arn:aws:ec2:" + region + ":" + ctx.account + ":security-group/" + id;
  json::array tags = TagsFor(in, "security-group");
  json::object egress{{"SecurityGroupRuleId", NewId("sgr")},
                      {"GroupId", id},
                      {"GroupOwnerId", ctx.account},
                      {"IsEgress", true},
                      {"IpProtocol", "-1"},
                      {"FromPort", -1},
                      {"ToPort", -1},
                      {"CidrIpv4", "0.0.0.0/0"},
                      {"Tags", json::array()}};
  json::object group{{"GroupId", id},
                     {"GroupName", name},
                     {"Description", GetString(in, "Description")},
                     {"VpcId", vpc_id},
                     {"OwnerId", ctx.account},
                     {"SecurityGroupArn", arn},
                     {"Tags", tags},
                     {"_Rules", json::array{std::move(egress)}}};
  FARGO_TRY(groups_.Put(Collection::Key(region, id), std::move(group)));
  return json::object{{"GroupId", id}, {"Tags", std::move(tags)}, {"SecurityGroupArn", arn}};
}

Result<json::object> Ec2Service::DeleteSecurityGroup(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* group, ResolveGroup(ctx.region, in));
  std::string id = GetString(*group, "GroupId");
  if (GetString(*group, "GroupName") == "default")
    return AwsError::Make("CannotDelete", "the specified group: \"" + id +
                                              "\" name: \"default\" cannot be deleted by a user");
  bool referenced = false;
  groups_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& other) {
    if (GetString(other, "GroupId") == id) return;
    for (const auto& r : RulesOf(other))
      if (const json::object* ref = GetObject(r.as_object(), "ReferencedGroupInfo"))
        referenced |= GetString(*ref, "GroupId") == id;
  });
  interfaces_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& eni) {
    if (const json::array* gs = GetArray(eni, "Groups"))
      for (const auto& g : *gs) referenced |= GetString(g.as_object(), "GroupId") == id;
  });
  if (referenced)
    return AwsError::Make("DependencyViolation", "resource " + id + " has a dependent object");
  FARGO_TRY(groups_.Erase(Collection::Key(ctx.region, id)));
  SecurityChanged();
  return json::object{{"Return", true}, {"GroupId", id}};
}

json::object Ec2Service::GroupView(const json::object& sg) const {
  json::object v = sg;
  v.erase("_Rules");
  v["IpPermissions"] = ec2::ToIpPermissions(RulesOf(sg), false);
  v["IpPermissionsEgress"] = ec2::ToIpPermissions(RulesOf(sg), true);
  return v;
}

// `sg` is the GroupView (with IpPermissions), as Select passes it.
ec2::FilterFields Ec2Service::GroupFields(const json::object& sg) const {
  ec2::FilterFields f{{"group-id", GetString(sg, "GroupId")},
                      {"group-name", GetString(sg, "GroupName")},
                      {"vpc-id", GetString(sg, "VpcId")},
                      {"description", GetString(sg, "Description")},
                      {"owner-id", GetString(sg, "OwnerId")}};
  // The group's region is the fourth field of its ARN.
  auto arn = Split(GetString(sg, "SecurityGroupArn"), ':');
  std::string region = arn.size() > 3 ? arn[3] : std::string();
  for (const char* member : {"IpPermissions", "IpPermissionsEgress"}) {
    const json::array* perms = GetArray(sg, member);
    if (!perms) continue;
    std::string p = std::string_view(member) == "IpPermissions" ? "ip-permission." : "egress.ip-permission.";
    for (const auto& pv : *perms) {
      const auto& perm = pv.as_object();
      f.emplace(p + "protocol", GetString(perm, "IpProtocol"));
      f.emplace(p + "from-port", std::to_string(GetInt(perm, "FromPort", -1)));
      f.emplace(p + "to-port", std::to_string(GetInt(perm, "ToPort", -1)));
      auto each = [&](const char* list, const char* key, const std::string& field) {
        if (const json::array* a = GetArray(perm, list))
          for (const auto& x : *a) f.emplace(p + field, GetString(x.as_object(), key));
      };
      each("IpRanges", "CidrIp", "cidr");
      each("Ipv6Ranges", "CidrIpv6", "ipv6-cidr");
      each("PrefixListIds", "PrefixListId", "prefix-list-id");
      each("UserIdGroupPairs", "GroupId", "group-id");
      each("UserIdGroupPairs", "UserId", "user-id");
      if (const json::array* pairs = GetArray(perm, "UserIdGroupPairs"))
        for (const auto& x : *pairs)
          if (const json::object* g = groups_.Find(Collection::Key(region, GetString(x.as_object(), "GroupId"))))
            f.emplace(p + "group-name", GetString(*g, "GroupName"));
    }
  }
  ec2::AddTagFields(sg.if_contains("Tags"), f);
  return f;
}

Result<json::object> Ec2Service::DescribeSecurityGroups(CallContext& ctx, json::object& in) {
  static const std::set<std::string> kFilters = [] {
    std::set<std::string> s{"group-id", "group-name", "vpc-id", "description", "owner-id"};
    for (const char* p : {"ip-permission.", "egress.ip-permission."})
      for (const char* n : {"protocol", "from-port", "to-port", "cidr", "ipv6-cidr", "prefix-list-id", "group-id",
                            "group-name", "user-id"})
        s.insert(std::string(p) + n);
    return s;
  }();
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, kFilters));
  const json::array* ids = GetArray(in, "GroupIds");
  json::array named;
  if (const json::array* names = GetArray(in, "GroupNames"); names && !names->empty()) {
    for (const auto& n : *names) {
      std::string name = n.is_string() ? std::string(n.as_string()) : std::string();
      bool any = false;
      groups_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& g) {
        if (GetString(g, "GroupName") != name) return;
        any = true;
        std::string gid = GetString(g, "GroupId");
        bool wanted = !ids || ids->empty();
        for (const auto& i : ids ? *ids : json::array()) wanted |= i.is_string() && i.as_string() == gid;
        if (wanted) named.push_back(json::value(gid));
      });
      if (!any) return GroupNameNotFound(name);
    }
    if (named.empty()) return json::object{{"SecurityGroups", json::array()}};
    ids = &named;
  }
  FARGO_ASSIGN_OR_RETURN(json::array groups,
                         Select(groups_, ctx.region, ids, ec2::GroupNotFound, filters,
                                [this](const json::object& v) { return GroupFields(v); },
                                [this](const json::object& g) { return GroupView(g); }));
  return Page(in, std::move(groups), "SecurityGroups");
}

json::array Ec2Service::PermissionsOf(const json::object& in) {
  if (const json::array* perms = GetArray(in, "IpPermissions"); perms && !perms->empty()) return *perms;
  json::array out;
  if (!Has(in, "IpProtocol") && !Has(in, "CidrIp") && !Has(in, "SourceSecurityGroupName")) return out;
  json::object perm{{"IpProtocol", GetString(in, "IpProtocol", "-1")}};
  if (Has(in, "FromPort")) perm["FromPort"] = GetInt(in, "FromPort");
  if (Has(in, "ToPort")) perm["ToPort"] = GetInt(in, "ToPort");
  if (Has(in, "CidrIp")) perm["IpRanges"] = json::array{json::object{{"CidrIp", GetString(in, "CidrIp")}}};
  if (Has(in, "SourceSecurityGroupName")) {
    json::object pair{{"GroupName", GetString(in, "SourceSecurityGroupName")}};
    if (Has(in, "SourceSecurityGroupOwnerId")) pair["UserId"] = GetString(in, "SourceSecurityGroupOwnerId");
    // Without a protocol the source group is allowed everything.
    if (!Has(in, "IpProtocol")) perm["IpProtocol"] = "-1";
    perm["UserIdGroupPairs"] = json::array{std::move(pair)};
  }
  out.push_back(std::move(perm));
  return out;
}

Result<json::object> Ec2Service::Authorize(CallContext& ctx, json::object& in, bool egress) {
  FARGO_ASSIGN_OR_RETURN(const json::object* found, ResolveGroup(ctx.region, in));
  json::object group = *found;
  std::string group_id = GetString(group, "GroupId");
  std::string vpc_id = GetString(group, "VpcId");
  json::array perms = PermissionsOf(in);
  if (perms.empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter ipPermissions");
  ec2::GroupResolver resolve = [&](const json::object& pair) -> Result<std::string> {
    if (std::string id = GetString(pair, "GroupId"); !id.empty()) {
      if (!FindGroup(ctx.region, id)) return ec2::GroupNotFound(id);
      return id;
    }
    std::string name = GetString(pair, "GroupName");
    const json::object* g = FindGroupByName(ctx.region, vpc_id, name);
    if (!g) return ec2::GroupNotFound(name);
    return GetString(*g, "GroupId");
  };
  FARGO_ASSIGN_OR_RETURN(auto rules, ec2::ExpandPermissions(perms, egress, ctx.account, resolve));
  FARGO_TRY(CheckPeers(rules));
  json::array& stored = group["_Rules"].is_array() ? group["_Rules"].as_array()
                                                   : group["_Rules"].emplace_array();
  json::array added;
  json::array tags = TagsFor(in, "security-group-rule");
  for (auto& r : rules) {
    for (const auto& existing : stored)
      if (ec2::SameRule(existing.as_object(), r))
        return AwsError::Make("InvalidPermission.Duplicate",
                              "the specified rule \"" + ec2::DescribeRule(r) + "\" already exists");
    std::string rule_id = NewId("sgr");
    r["SecurityGroupRuleId"] = rule_id;
    r["GroupId"] = group_id;
    r["GroupOwnerId"] = ctx.account;
    r["Tags"] = tags;
    r["SecurityGroupRuleArn"] = "arn:aws:ec2:" + ctx.region + ":" + ctx.account + ":security-group-rule/" + rule_id;
    stored.push_back(r);
    added.push_back(r);
  }
  FARGO_TRY(groups_.Put(Collection::Key(ctx.region, group_id), std::move(group)));
  SecurityChanged();
  return json::object{{"Return", true}, {"SecurityGroupRules", std::move(added)}};
}

Result<json::object> Ec2Service::Revoke(CallContext& ctx, json::object& in, bool egress) {
  FARGO_ASSIGN_OR_RETURN(const json::object* found, ResolveGroup(ctx.region, in));
  json::object group = *found;
  std::string group_id = GetString(group, "GroupId");
  std::string vpc_id = GetString(group, "VpcId");
  json::array rules = RulesOf(group);
  std::set<std::string> doomed;  // rule ids
  if (const json::array* ids = GetArray(in, "SecurityGroupRuleIds"); ids && !ids->empty()) {
    for (const auto& idv : *ids) {
      std::string id = idv.is_string() ? std::string(idv.as_string()) : std::string();
      bool hit = false;
      for (const auto& r : rules)
        if (GetString(r.as_object(), "SecurityGroupRuleId") == id && GetBool(r.as_object(), "IsEgress") == egress)
          hit = true;
      if (!hit) return ec2::RuleNotFound(id);
      doomed.insert(id);
    }
  } else {
    json::array perms = PermissionsOf(in);
    if (perms.empty())
      return AwsError::Make("MissingParameter", "The request must contain the parameter ipPermissions");
    ec2::GroupResolver resolve = [&](const json::object& pair) -> Result<std::string> {
      if (std::string id = GetString(pair, "GroupId"); !id.empty()) return id;
      std::string name = GetString(pair, "GroupName");
      const json::object* g = FindGroupByName(ctx.region, vpc_id, name);
      if (!g) return ec2::GroupNotFound(name);
      return GetString(*g, "GroupId");
    };
    FARGO_ASSIGN_OR_RETURN(auto wanted, ec2::ExpandPermissions(perms, egress, ctx.account, resolve));
    for (const auto& w : wanted) {
      bool hit = false;
      for (const auto& r : rules)
        if (ec2::SameRule(r.as_object(), w)) {
          doomed.insert(GetString(r.as_object(), "SecurityGroupRuleId"));
          hit = true;
        }
      if (!hit)
        return AwsError::Make("InvalidPermission.NotFound",
                              "The specified rule does not exist in this security group.");
    }
  }
  json::array kept, revoked;
  for (const auto& rv : rules) {
    const auto& r = rv.as_object();
    if (!doomed.count(GetString(r, "SecurityGroupRuleId"))) {
      kept.push_back(rv);
      continue;
    }
    json::object out = r;
    out.erase("Tags");
    out.erase("GroupOwnerId");
    out.erase("SecurityGroupRuleArn");
    if (const json::object* ref = GetObject(r, "ReferencedGroupInfo")) {
      out["ReferencedGroupId"] = GetString(*ref, "GroupId");
      out.erase("ReferencedGroupInfo");
    }
    revoked.push_back(std::move(out));
  }
  group["_Rules"] = std::move(kept);
  FARGO_TRY(groups_.Put(Collection::Key(ctx.region, group_id), std::move(group)));
  SecurityChanged();
  return json::object{{"Return", true}, {"RevokedSecurityGroupRules", std::move(revoked)}};
}

Result<json::object> Ec2Service::AuthorizeSecurityGroupIngress(CallContext& ctx, json::object& in) {
  return Authorize(ctx, in, false);
}
Result<json::object> Ec2Service::AuthorizeSecurityGroupEgress(CallContext& ctx, json::object& in) {
  return Authorize(ctx, in, true);
}
Result<json::object> Ec2Service::RevokeSecurityGroupIngress(CallContext& ctx, json::object& in) {
  return Revoke(ctx, in, false);
}
Result<json::object> Ec2Service::RevokeSecurityGroupEgress(CallContext& ctx, json::object& in) {
  return Revoke(ctx, in, true);
}

Result<json::object> Ec2Service::UpdateDescriptions(CallContext& ctx, json::object& in, bool egress) {
  FARGO_ASSIGN_OR_RETURN(const json::object* found, ResolveGroup(ctx.region, in));
  json::object group = *found;
  std::string group_id = GetString(group, "GroupId");
  std::string vpc_id = GetString(group, "VpcId");
  json::array& rules = group["_Rules"].is_array() ? group["_Rules"].as_array() : group["_Rules"].emplace_array();
  auto set_description = [](json::object& r, const std::string& d) {
    if (d.empty())
      r.erase("Description");
    else
      r["Description"] = d;
  };
  if (const json::array* by_id = GetArray(in, "SecurityGroupRuleDescriptions"); by_id && !by_id->empty()) {
    for (const auto& dv : *by_id) {
      std::string id = GetString(dv.as_object(), "SecurityGroupRuleId");
      bool hit = false;
      for (auto& r : rules)
        if (GetString(r.as_object(), "SecurityGroupRuleId") == id && GetBool(r.as_object(), "IsEgress") == egress) {
          set_description(r.as_object(), GetString(dv.as_object(), "Description"));
          hit = true;
        }
      if (!hit) return ec2::RuleNotFound(id);
    }
  } else {
    ec2::GroupResolver resolve = [&](const json::object& pair) -> Result<std::string> {
      if (std::string id = GetString(pair, "GroupId"); !id.empty()) return id;
      std::string name = GetString(pair, "GroupName");
      const json::object* g = FindGroupByName(ctx.region, vpc_id, name);
      if (!g) return ec2::GroupNotFound(name);
      return GetString(*g, "GroupId");
    };
    FARGO_ASSIGN_OR_RETURN(auto wanted, ec2::ExpandPermissions(PermissionsOf(in), egress, ctx.account, resolve));
    for (const auto& w : wanted) {
      bool hit = false;
      for (auto& r : rules)
        if (ec2::SameRule(r.as_object(), w)) {
          set_description(r.as_object(), GetString(w, "Description"));
          hit = true;
        }
      if (!hit)
        return AwsError::Make("InvalidPermission.NotFound",
                              "The specified rule does not exist in this security group.");
    }
  }
  FARGO_TRY(groups_.Put(Collection::Key(ctx.region, group_id), std::move(group)));
  return json::object{{"Return", true}};
}

Result<json::object> Ec2Service::UpdateSecurityGroupRuleDescriptionsIngress(CallContext& ctx, json::object& in) {
  return UpdateDescriptions(ctx, in, false);
}
Result<json::object> Ec2Service::UpdateSecurityGroupRuleDescriptionsEgress(CallContext& ctx, json::object& in) {
  return UpdateDescriptions(ctx, in, true);
}

Result<json::object> Ec2Service::DescribeSecurityGroupRules(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"group-id", "security-group-rule-id"}));
  std::set<std::string> ids;
  if (const json::array* a = GetArray(in, "SecurityGroupRuleIds"))
    for (const auto& v : *a)
      if (v.is_string()) ids.insert(std::string(v.as_string()));
  json::array out;
  std::set<std::string> seen;
  groups_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& g) {
    for (const auto& rv : RulesOf(g)) {
      const auto& r = rv.as_object();
      std::string id = GetString(r, "SecurityGroupRuleId");
      if (!ids.empty() && !ids.count(id)) continue;
      seen.insert(id);
      ec2::FilterFields f{{"group-id", GetString(r, "GroupId")}, {"security-group-rule-id", id}};
      ec2::AddTagFields(r.if_contains("Tags"), f);
      if (ec2::Matches(filters, f)) out.push_back(r);
    }
  });
  for (const auto& id : ids)
    if (!seen.count(id)) return ec2::RuleNotFound(id);
  return Page(in, std::move(out), "SecurityGroupRules");
}

// Replaces rules in place (their ids, tags and ARNs stay): each
// SecurityGroupRuleRequest is read as one IpPermission with one peer, so it
// is checked as AuthorizeSecurityGroup* checks it.
Result<json::object> Ec2Service::ModifySecurityGroupRules(CallContext& ctx, json::object& in) {
  std::string group_id = GetString(in, "GroupId");
  const json::object* found = FindGroup(ctx.region, group_id);
  if (!found) return ec2::GroupNotFound(group_id);
  json::object group = *found;
  json::array& rules = group["_Rules"].is_array() ? group["_Rules"].as_array() : group["_Rules"].emplace_array();
  const json::array* updates = GetArray(in, "SecurityGroupRules");
  if (!updates || updates->empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter SecurityGroupRules");
  ec2::GroupResolver resolve = [&](const json::object& pair) -> Result<std::string> {
    std::string id = GetString(pair, "GroupId");
    if (!FindGroup(ctx.region, id)) return ec2::GroupNotFound(id);
    return id;
  };
  for (const auto& uv : *updates) {
    if (!uv.is_object()) continue;
    std::string id = GetString(uv.as_object(), "SecurityGroupRuleId");
    const json::object* spec = GetObject(uv.as_object(), "SecurityGroupRule");
    json::object* rule = nullptr;
    for (auto& r : rules)
      if (GetString(r.as_object(), "SecurityGroupRuleId") == id) rule = &r.as_object();
    if (!rule) return ec2::RuleNotFound(id);
    if (!spec) return AwsError::Make("MissingParameter", "The request must contain the parameter SecurityGroupRule");
    json::object perm{{"IpProtocol", GetString(*spec, "IpProtocol")}};
    for (const char* k : {"FromPort", "ToPort"})
      if (Has(*spec, k)) perm[k] = GetInt(*spec, k);
    json::object peer;
    if (std::string d = GetString(*spec, "Description"); !d.empty()) peer["Description"] = d;
    auto with = [&](const char* key, const char* value) {
      peer[key] = value;
      return peer;
    };
    if (std::string c = GetString(*spec, "CidrIpv4"); !c.empty())
      perm["IpRanges"] = json::array{with("CidrIp", c.c_str())};
    else if (std::string c6 = GetString(*spec, "CidrIpv6"); !c6.empty())
      perm["Ipv6Ranges"] = json::array{with("CidrIpv6", c6.c_str())};
    else if (std::string pl = GetString(*spec, "PrefixListId"); !pl.empty())
      perm["PrefixListIds"] = json::array{with("PrefixListId", pl.c_str())};
    else if (std::string g = GetString(*spec, "ReferencedGroupId"); !g.empty())
      perm["UserIdGroupPairs"] = json::array{with("GroupId", g.c_str())};
    else
      return AwsError::Make("MissingParameter", "The request must contain exactly one of CidrIpv4, CidrIpv6, "
                                                "PrefixListId or ReferencedGroupId");
    FARGO_ASSIGN_OR_RETURN(auto expanded, ec2::ExpandPermissions(json::array{perm}, GetBool(*rule, "IsEgress"),
                                                                 ctx.account, resolve));
    if (expanded.size() != 1) return AwsError::Make("InvalidParameterValue", "one rule per SecurityGroupRuleId");
    FARGO_TRY(CheckPeers(expanded));
    json::object next = std::move(expanded[0]);
    for (const char* keep : {"SecurityGroupRuleId", "GroupId", "GroupOwnerId", "Tags", "SecurityGroupRuleArn"})
      if (const json::value* v = rule->if_contains(keep)) next[keep] = *v;
    *rule = std::move(next);
  }
  FARGO_TRY(groups_.Put(Collection::Key(ctx.region, group_id), std::move(group)));
  SecurityChanged();
  return json::object{{"Return", true}};
}

}  // namespace fargo::services
