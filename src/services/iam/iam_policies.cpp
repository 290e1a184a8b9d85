// Inline role policies, managed policies and their versions, attachments.
#include <cstdio>

#include "common/strings.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_util.h"

namespace fargo::services {

namespace {

constexpr size_t kMaxPolicyVersions = 5;
constexpr size_t kMaxAttachedPoliciesPerRole = 10;

AwsError NoSuchEntity(const std::string& message) {
  return AwsError::Make("NoSuchEntity", message, 404);
}

AwsError VersionNotFound(const std::string& arn, const std::string& version) {
  return NoSuchEntity("Policy " + arn + " version " + version + " does not exist or is not attachable.");
}

// Sort key of a policy in listings: by name, then ARN (an AWS managed and a
// local policy may share a name).
std::string PolicyKey(const std::string& name, const std::string& arn) {
  return ToLower(name) + " " + arn;
}

int64_t VersionNumber(const std::string& id) {
  return id.size() > 1 ? std::atoll(id.c_str() + 1) : 0;
}

// Newest first: later versions sort earlier.
std::string VersionKey(const std::string& id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(999999999999LL - VersionNumber(id)));
  return buf;
}

const json::object* FindVersion(const json::object& policy, const std::string& id) {
  auto* versions = policy.if_contains("Versions");
  if (!versions || !versions->is_array()) return nullptr;
  for (auto& v : versions->as_array())
    if (v.is_object() && GetString(v.as_object(), "VersionId") == id) return &v.as_object();
  return nullptr;
}

bool IsAttachedTo(const json::object& role, const std::string& arn) {
  const auto* attached = GetArray(role, "AttachedPolicies");
  if (!attached) return false;
  for (const auto& a : *attached)
    if (a.is_string() && a.as_string() == arn) return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Lookup and views

Result<IamService::PolicyRef> IamService::FindPolicy(const CallContext& ctx, const std::string& arn,
                                                     const std::string& missing) {
  auto parts = iam::ParseArn(arn, "policy");
  if (!parts) return AwsError::Make("InvalidInput", "ARN " + arn + " is not valid.");
  PolicyRef ref;
  ref.arn = arn;
  if (parts->account == "aws") {
    ref.aws = iam::FindAwsManagedPolicy(arn);
    if (!ref.aws) return NoSuchEntity("Policy " + arn + " " + missing);
    return ref;
  }
  const json::object* local = parts->account == ctx.account ? policies_.Find(ToLower(parts->name)) : nullptr;
  if (!local || GetString(*local, "Arn") != arn) return NoSuchEntity("Policy " + arn + " " + missing);
  ref.local = local;
  return ref;
}

Result<const json::object*> IamService::FindLocalPolicy(const CallContext& ctx, const std::string& arn) {
  FARGO_ASSIGN_OR_RETURN(PolicyRef ref, FindPolicy(ctx, arn));
  if (!ref.local)
    return AwsError::Make("AccessDenied", "Cannot modify an AWS managed policy: " + arn, 403);
  return ref.local;
}

int64_t IamService::AttachmentCount(const std::string& arn) const {
  int64_t n = 0;
  for (const auto& [_, role] : roles_.all()) n += IsAttachedTo(role, arn) ? 1 : 0;
  return n;
}

int64_t IamService::BoundaryUsageCount(const std::string& arn) const {
  int64_t n = 0;
  for (const auto& [_, role] : roles_.all()) n += GetString(role, "PermissionsBoundary") == arn ? 1 : 0;
  return n;
}

json::object IamService::PolicyView(const PolicyRef& ref, bool full) const {
  json::object out;
  if (ref.aws) {
    const auto& p = *ref.aws;
    out = json::object{{"PolicyName", p.name},        {"PolicyId", p.id},
                       {"Arn", p.Arn()},              {"Path", p.path},
                       {"DefaultVersionId", "v1"},    {"CreateDate", p.create_date},
                       {"UpdateDate", p.create_date}};
    if (full) out["Description"] = p.description;
  } else {
    const auto& p = *ref.local;
    for (const char* k : {"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId"})
      out[k] = GetString(p, k);
    out["CreateDate"] = static_cast<double>(GetInt(p, "CreateDate"));
    out["UpdateDate"] = static_cast<double>(GetInt(p, "UpdateDate"));
    if (full) {
      if (Has(p, "Description")) out["Description"] = GetString(p, "Description");
      json::array tags = iam::TagsOf(p);
      if (!tags.empty()) out["Tags"] = std::move(tags);
    }
  }
  out["AttachmentCount"] = AttachmentCount(ref.arn);
  out["PermissionsBoundaryUsageCount"] = BoundaryUsageCount(ref.arn);
  out["IsAttachable"] = true;
  return out;
}

// ---------------------------------------------------------------------------
// Inline role policies

Result<json::object> IamService::PutRolePolicy(CallContext&, json::object& in) {
  std::string role_name = GetString(in, "RoleName");
  std::string name = GetString(in, "PolicyName");
  std::string document = GetString(in, "PolicyDocument");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(role_name));
  FARGO_TRY(iam::ValidateName(name, "policyName"));
  FARGO_TRY(iam::ValidatePolicyDocument(document));
  json::object role = *found;
  if (!role["InlinePolicies"].is_object()) role["InlinePolicies"] = json::object();
  role["InlinePolicies"].as_object()[name] = document;
  FARGO_TRY(roles_.Put(ToLower(role_name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::GetRolePolicy(CallContext&, json::object& in) {
  std::string name = GetString(in, "PolicyName");
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(GetString(in, "RoleName")));
  FARGO_TRY(iam::ValidateName(name, "policyName"));
  const auto* policies = GetObject(*role, "InlinePolicies");
  const auto* doc = policies ? policies->if_contains(name) : nullptr;
  if (!doc || !doc->is_string())
    return NoSuchEntity("The role policy with name " + name + " cannot be found.");
  return json::object{{"RoleName", GetString(*role, "RoleName")},
                      {"PolicyName", name},
                      {"PolicyDocument", iam::EncodeDocument(doc->as_string())}};
}

Result<json::object> IamService::ListRolePolicies(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(GetString(in, "RoleName")));
  std::vector<std::pair<std::string, json::value>> items;
  if (const auto* policies = GetObject(*role, "InlinePolicies"))
    for (const auto& kv : *policies) items.emplace_back(std::string(kv.key()), std::string(kv.key()));
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json::object out;
  iam::PageInto(out, "PolicyNames", items, in);
  return out;
}

Result<json::object> IamService::DeleteRolePolicy(CallContext&, json::object& in) {
  std::string role_name = GetString(in, "RoleName");
  std::string name = GetString(in, "PolicyName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(role_name));
  FARGO_TRY(iam::ValidateName(name, "policyName"));
  const auto* policies = GetObject(*found, "InlinePolicies");
  if (!policies || !policies->contains(name))
    return NoSuchEntity("The role policy with name " + name + " cannot be found.");
  json::object role = *found;
  role["InlinePolicies"].as_object().erase(name);
  FARGO_TRY(roles_.Put(ToLower(role_name), std::move(role)));
  return json::object{};
}

// ---------------------------------------------------------------------------
// Managed policies

Result<json::object> IamService::CreatePolicy(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "PolicyName");
  std::string path = GetString(in, "Path", "/");
  std::string document = GetString(in, "PolicyDocument");
  FARGO_TRY(iam::ValidateName(name, "policyName"));
  FARGO_TRY(iam::ValidatePolicyPath(path, "path"));
  FARGO_TRY(iam::ValidatePolicyDocument(document));
  if (policies_.Find(ToLower(name)))
    return AwsError::Make("EntityAlreadyExists",
                          "A policy called " + name + " already exists. Duplicate names are not allowed.", 409);
  int64_t now = Now();
  json::object policy{{"PolicyName", name},
                      {"PolicyId", "ANPA" + env_.ids.Upper(17)},
                      {"Arn", iam::MakeArn(ctx.account, "policy", path, name)},
                      {"Path", path},
                      {"DefaultVersionId", "v1"},
                      {"NextVersion", 2},
                      {"CreateDate", now},
                      {"UpdateDate", now},
                      {"Tags", json::array()},
                      {"Versions", json::array{json::object{
                                       {"VersionId", "v1"}, {"Document", document}, {"CreateDate", now}}}}};
  if (Has(in, "Description")) policy["Description"] = GetString(in, "Description");
  FARGO_TRY(iam::ApplyTags(policy, GetArray(in, "Tags"), nullptr));
  std::string key = ToLower(name);
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  PolicyRef ref{policies_.Find(key), nullptr, iam::MakeArn(ctx.account, "policy", path, name)};
  return json::object{{"Policy", PolicyView(ref, true)}};
}

Result<json::object> IamService::GetPolicy(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(PolicyRef ref, FindPolicy(ctx, GetString(in, "PolicyArn")));
  return json::object{{"Policy", PolicyView(ref, true)}};
}

Result<json::object> IamService::ListPolicies(CallContext&, json::object& in) {
  std::string scope = GetString(in, "Scope", "All");
  std::string prefix = GetString(in, "PathPrefix", "/");
  bool only_attached = GetBool(in, "OnlyAttached");
  std::string usage = GetString(in, "PolicyUsageFilter");
  FARGO_TRY(iam::ValidatePolicyPath(prefix, "pathPrefix"));

  std::vector<std::pair<std::string, json::value>> items;
  auto consider = [&](const PolicyRef& ref, const std::string& name, const std::string& path) {
    if (!StartsWith(path, prefix)) return;
    json::object view = PolicyView(ref, false);
    if (only_attached) {
      int64_t attached = GetInt(view, "AttachmentCount");
      int64_t bounds = GetInt(view, "PermissionsBoundaryUsageCount");
      bool used = usage == "PermissionsPolicy"     ? attached > 0
                  : usage == "PermissionsBoundary" ? bounds > 0
                                                   : attached + bounds > 0;
      if (!used) return;
    }
    items.emplace_back(PolicyKey(name, ref.arn), std::move(view));
  };
  if (scope != "Local")
    for (const auto& p : iam::AwsManagedPolicies()) consider(PolicyRef{nullptr, &p, p.Arn()}, p.name, p.path);
  if (scope != "AWS")
    for (auto& [key, p] : policies_.all()) {
      const json::object* local = policies_.Find(key);
      consider(PolicyRef{local, nullptr, GetString(p, "Arn")}, GetString(p, "PolicyName"), GetString(p, "Path"));
    }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json::object out;
  iam::PageInto(out, "Policies", items, in);
  return out;
}

Result<json::object> IamService::DeletePolicy(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  FARGO_ASSIGN_OR_RETURN(const json::object* policy, FindLocalPolicy(ctx, arn));
  if (AttachmentCount(arn) > 0 || BoundaryUsageCount(arn) > 0)
    return AwsError::Make("DeleteConflict", "Cannot delete a policy attached to entities.", 409);
  const auto* versions = GetArray(*policy, "Versions");
  if (versions && versions->size() > 1)
    return AwsError::Make("DeleteConflict",
                          "This policy has more than one version. Before you delete a policy, you must "
                          "delete the policy's versions. The default version is deleted with the policy.",
                          409);
  FARGO_TRY(policies_.Erase(ToLower(GetString(*policy, "PolicyName"))));
  return json::object{};
}

Result<json::object> IamService::CreatePolicyVersion(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  std::string document = GetString(in, "PolicyDocument");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindLocalPolicy(ctx, arn));
  FARGO_TRY(iam::ValidatePolicyDocument(document));
  json::object policy = *found;
  auto& versions = policy["Versions"].as_array();
  if (versions.size() >= kMaxPolicyVersions)
    return AwsError::Make("LimitExceeded",
                          "A managed policy can have up to 5 versions. Before you create a new version, "
                          "you must delete an existing version.",
                          409);
  int64_t number = GetInt(policy, "NextVersion", static_cast<int64_t>(versions.size()) + 1);
  std::string id = "v" + std::to_string(number);
  int64_t now = Now();
  versions.push_back(json::object{{"VersionId", id}, {"Document", document}, {"CreateDate", now}});
  policy["NextVersion"] = number + 1;
  policy["UpdateDate"] = now;
  bool is_default = GetBool(in, "SetAsDefault");
  if (is_default) policy["DefaultVersionId"] = id;
  std::string key = ToLower(GetString(policy, "PolicyName"));
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  return json::object{{"PolicyVersion", json::object{{"VersionId", id},
                                                     {"IsDefaultVersion", is_default},
                                                     {"CreateDate", static_cast<double>(now)}}}};
}

Result<json::object> IamService::GetPolicyVersion(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  std::string id = GetString(in, "VersionId");
  FARGO_ASSIGN_OR_RETURN(PolicyRef ref, FindPolicy(ctx, arn));
  if (ref.aws) {
    if (id != "v1") return VersionNotFound(arn, id);
    return json::object{{"PolicyVersion", json::object{{"Document", iam::EncodeDocument(ref.aws->document)},
                                                       {"VersionId", "v1"},
                                                       {"IsDefaultVersion", true},
                                                       {"CreateDate", ref.aws->create_date}}}};
  }
  const json::object* version = FindVersion(*ref.local, id);
  if (!version) return VersionNotFound(arn, id);
  return json::object{
      {"PolicyVersion", json::object{{"Document", iam::EncodeDocument(GetString(*version, "Document"))},
                                     {"VersionId", id},
                                     {"IsDefaultVersion", GetString(*ref.local, "DefaultVersionId") == id},
                                     {"CreateDate", static_cast<double>(GetInt(*version, "CreateDate"))}}}};
}

Result<json::object> IamService::ListPolicyVersions(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(PolicyRef ref, FindPolicy(ctx, GetString(in, "PolicyArn")));
  std::vector<std::pair<std::string, json::value>> items;
  if (ref.aws) {
    items.emplace_back(VersionKey("v1"), json::object{{"VersionId", "v1"},
                                                      {"IsDefaultVersion", true},
                                                      {"CreateDate", ref.aws->create_date}});
  } else {
    std::string default_id = GetString(*ref.local, "DefaultVersionId");
    for (const auto& v : *GetArray(*ref.local, "Versions")) {
      std::string id = GetString(v.as_object(), "VersionId");
      items.emplace_back(VersionKey(id),
                         json::object{{"VersionId", id},
                                      {"IsDefaultVersion", id == default_id},
                                      {"CreateDate", static_cast<double>(GetInt(v.as_object(), "CreateDate"))}});
    }
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  json::object out;
  iam::PageInto(out, "Versions", items, in);
  return out;
}

Result<json::object> IamService::DeletePolicyVersion(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  std::string id = GetString(in, "VersionId");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindLocalPolicy(ctx, arn));
  json::object policy = *found;
  if (!FindVersion(policy, id)) return VersionNotFound(arn, id);
  if (GetString(policy, "DefaultVersionId") == id)
    return AwsError::Make("DeleteConflict", "Cannot delete the default version of a policy.", 409);
  auto& versions = policy["Versions"].as_array();
  for (auto it = versions.begin(); it != versions.end(); ++it)
    if (GetString(it->as_object(), "VersionId") == id) {
      versions.erase(it);
      break;
    }
  std::string key = ToLower(GetString(policy, "PolicyName"));
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  return json::object{};
}

Result<json::object> IamService::SetDefaultPolicyVersion(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  std::string id = GetString(in, "VersionId");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindLocalPolicy(ctx, arn));
  json::object policy = *found;
  if (!FindVersion(policy, id)) return VersionNotFound(arn, id);
  policy["DefaultVersionId"] = id;
  std::string key = ToLower(GetString(policy, "PolicyName"));
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  return json::object{};
}

Result<json::object> IamService::TagPolicy(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindLocalPolicy(ctx, GetString(in, "PolicyArn")));
  json::object policy = *found;
  FARGO_TRY(iam::ApplyTags(policy, GetArray(in, "Tags"), nullptr));
  std::string key = ToLower(GetString(policy, "PolicyName"));
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  return json::object{};
}

Result<json::object> IamService::UntagPolicy(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindLocalPolicy(ctx, GetString(in, "PolicyArn")));
  json::object policy = *found;
  FARGO_TRY(iam::ApplyTags(policy, nullptr, GetArray(in, "TagKeys")));
  std::string key = ToLower(GetString(policy, "PolicyName"));
  FARGO_TRY(policies_.Put(key, std::move(policy)));
  return json::object{};
}

Result<json::object> IamService::ListPolicyTags(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(PolicyRef ref, FindPolicy(ctx, GetString(in, "PolicyArn")));
  json::array tags = ref.local ? iam::TagsOf(*ref.local) : json::array();
  auto items = iam::TagItems(tags);
  json::object out;
  iam::PageInto(out, "Tags", items, in);
  return out;
}

// ---------------------------------------------------------------------------
// Attachments

Result<json::object> IamService::AttachRolePolicy(CallContext& ctx, json::object& in) {
  std::string role_name = GetString(in, "RoleName");
  std::string arn = GetString(in, "PolicyArn");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(role_name));
  FARGO_TRY(FindPolicy(ctx, arn, "does not exist or is not attachable."));
  if (IsAttachedTo(*found, arn)) return json::object{};
  json::object role = *found;
  if (!role["AttachedPolicies"].is_array()) role["AttachedPolicies"] = json::array();
  auto& attached = role["AttachedPolicies"].as_array();
  if (attached.size() >= kMaxAttachedPoliciesPerRole)
    return AwsError::Make("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409);
  attached.push_back(json::string(arn));
  FARGO_TRY(roles_.Put(ToLower(role_name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::DetachRolePolicy(CallContext&, json::object& in) {
  std::string role_name = GetString(in, "RoleName");
  std::string arn = GetString(in, "PolicyArn");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(role_name));
  if (!iam::ParseArn(arn, "policy")) return AwsError::Make("InvalidInput", "ARN " + arn + " is not valid.");
  if (!IsAttachedTo(*found, arn)) return NoSuchEntity("Policy " + arn + " was not found.");
  json::object role = *found;
  auto& attached = role["AttachedPolicies"].as_array();
  for (auto it = attached.begin(); it != attached.end(); ++it)
    if (it->is_string() && it->as_string() == arn) {
      attached.erase(it);
      break;
    }
  FARGO_TRY(roles_.Put(ToLower(role_name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::ListAttachedRolePolicies(CallContext&, json::object& in) {
  std::string prefix = GetString(in, "PathPrefix", "/");
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(GetString(in, "RoleName")));
  FARGO_TRY(iam::ValidatePolicyPath(prefix, "pathPrefix"));
  std::vector<std::pair<std::string, json::value>> items;
  for (const auto& a : *GetArray(*role, "AttachedPolicies")) {
    std::string arn(a.as_string());
    auto parts = iam::ParseArn(arn, "policy");
    if (!parts || !StartsWith(parts->path, prefix)) continue;
    items.emplace_back(PolicyKey(parts->name, arn),
                       json::object{{"PolicyName", parts->name}, {"PolicyArn", arn}});
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json::object out;
  iam::PageInto(out, "AttachedPolicies", items, in);
  return out;
}

Result<json::object> IamService::ListEntitiesForPolicy(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "PolicyArn");
  std::string filter = GetString(in, "EntityFilter");
  std::string prefix = GetString(in, "PathPrefix", "/");
  std::string usage = GetString(in, "PolicyUsageFilter");
  FARGO_TRY(FindPolicy(ctx, arn));
  FARGO_TRY(iam::ValidatePathPrefix(prefix, "pathPrefix"));
  std::vector<std::pair<std::string, json::value>> items;
  if (filter.empty() || filter == "Role") {
    for (const auto& [key, role] : roles_.all()) {
      if (!StartsWith(GetString(role, "Path"), prefix)) continue;
      bool attached = IsAttachedTo(role, arn);
      bool bound = GetString(role, "PermissionsBoundary") == arn;
      bool used = usage == "PermissionsPolicy"     ? attached
                  : usage == "PermissionsBoundary" ? bound
                                                   : attached || bound;
      if (!used) continue;
      items.emplace_back(key, json::object{{"RoleName", GetString(role, "RoleName")},
                                           {"RoleId", GetString(role, "RoleId")}});
    }
  }
  json::object out{{"PolicyGroups", json::array()}, {"PolicyUsers", json::array()}};
  iam::PageInto(out, "PolicyRoles", items, in);
  return out;
}

}  // namespace fargo::services
