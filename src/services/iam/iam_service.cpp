#include "services/iam/iam_service.h"

#include "common/strings.h"
#include "services/iam/iam_util.h"

namespace fargo::services {

using iam::ApplyTags;
using iam::EncodeDocument;
using iam::PageInto;
using iam::TagsOf;

namespace {

AwsError RoleNotFound(const std::string& name) {
  return AwsError::Make("NoSuchEntity", "The role with name " + name + " cannot be found.", 404);
}

}  // namespace

IamService::IamService(Env env)
    : env_(env),
      roles_(env.store, "iam.roles"),
      policies_(env.store, "iam.policies"),
      profiles_(env.store, "iam.instance_profiles") {}

Status IamService::Start() {
  FARGO_TRY(roles_.Load());
  FARGO_TRY(policies_.Load());
  return profiles_.Load();
}

Result<json::object> IamService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

int64_t IamService::Now() const { return env_.clock.NowMillis() / 1000; }

Result<const json::object*> IamService::FindRole(const std::string& name) {
  FARGO_TRY(iam::ValidateName(name, "roleName"));
  const json::object* role = roles_.Find(ToLower(name));
  if (!role) return RoleNotFound(name);
  return role;
}

json::object IamService::RoleView(const json::object& role, bool full) const {
  json::object out;
  for (const char* k : {"Path", "RoleName", "RoleId", "Arn", "Description", "MaxSessionDuration"})
    if (const auto* v = role.if_contains(k)) out[k] = *v;
  out["CreateDate"] = static_cast<double>(GetInt(role, "CreateDate"));
  out["AssumeRolePolicyDocument"] = EncodeDocument(GetString(role, "AssumeRolePolicyDocument"));
  if (full) {
    std::string boundary = GetString(role, "PermissionsBoundary");
    if (!boundary.empty())
      out["PermissionsBoundary"] =
          json::object{{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", boundary}};
    json::array tags = TagsOf(role);
    if (!tags.empty()) out["Tags"] = std::move(tags);
  }
  return out;
}

Result<json::object> IamService::CreateRole(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "RoleName");
  std::string path = GetString(in, "Path", "/");
  std::string document = GetString(in, "AssumeRolePolicyDocument");
  FARGO_TRY(iam::ValidateName(name, "roleName"));
  FARGO_TRY(iam::ValidatePath(path, "path"));
  FARGO_TRY(iam::ValidatePolicyDocument(document));
  if (roles_.Find(ToLower(name)))
    return AwsError::Make("EntityAlreadyExists", "Role with name " + name + " already exists.", 409);

  json::object role{{"RoleName", name},
                    {"RoleId", "AROA" + env_.ids.Upper(17)},
                    {"Arn", iam::MakeArn(ctx.account, "role", path, name)},
                    {"Path", path},
                    {"CreateDate", Now()},
                    {"AssumeRolePolicyDocument", document},
                    {"MaxSessionDuration", GetInt(in, "MaxSessionDuration", 3600)},
                    {"Tags", json::array()},
                    {"InlinePolicies", json::object()},
                    {"AttachedPolicies", json::array()}};
  if (Has(in, "Description")) role["Description"] = GetString(in, "Description");
  if (Has(in, "PermissionsBoundary")) {
    std::string boundary = GetString(in, "PermissionsBoundary");
    FARGO_TRY(FindPolicy(ctx, boundary));
    role["PermissionsBoundary"] = boundary;
  }
  FARGO_TRY(ApplyTags(role, GetArray(in, "Tags"), nullptr));
  json::object view = RoleView(role, true);
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{{"Role", std::move(view)}};
}

Result<json::object> IamService::GetRole(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(GetString(in, "RoleName")));
  json::object view = RoleView(*role, true);
  view["RoleLastUsed"] = json::object();
  return json::object{{"Role", std::move(view)}};
}

Result<json::object> IamService::ListRoles(CallContext&, json::object& in) {
  std::string prefix = GetString(in, "PathPrefix", "/");
  FARGO_TRY(iam::ValidatePathPrefix(prefix, "pathPrefix"));
  std::vector<std::pair<std::string, json::value>> items;
  for (const auto& [key, role] : roles_.all())
    if (StartsWith(GetString(role, "Path"), prefix)) items.emplace_back(key, RoleView(role, false));
  json::object out;
  PageInto(out, "Roles", items, in);
  return out;
}

Result<json::object> IamService::UpdateRole(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  json::object role = *found;
  if (Has(in, "Description")) role["Description"] = GetString(in, "Description");
  if (Has(in, "MaxSessionDuration")) role["MaxSessionDuration"] = GetInt(in, "MaxSessionDuration");
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::UpdateRoleDescription(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  json::object role = *found;
  role["Description"] = GetString(in, "Description");
  json::object view = RoleView(role, true);
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{{"Role", std::move(view)}};
}

Result<json::object> IamService::UpdateAssumeRolePolicy(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  std::string document = GetString(in, "PolicyDocument");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  FARGO_TRY(iam::ValidatePolicyDocument(document));
  json::object role = *found;
  role["AssumeRolePolicyDocument"] = document;
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::DeleteRole(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(name));
  const auto* inline_policies = GetObject(*role, "InlinePolicies");
  if (inline_policies && !inline_policies->empty())
    return AwsError::Make("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
  const auto* attached = GetArray(*role, "AttachedPolicies");
  if (attached && !attached->empty())
    return AwsError::Make("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
  std::string key = ToLower(name);
  for (const auto& [_, profile] : profiles_.all()) {
    const auto* members = GetArray(profile, "Roles");
    for (const auto& r : members ? *members : json::array())
      if (r.is_string() && r.as_string() == key)
        return AwsError::Make("DeleteConflict",
                              "Cannot delete entity, must remove roles from instance profile first.", 409);
  }
  FARGO_TRY(roles_.Erase(key));
  return json::object{};
}

Result<json::object> IamService::TagRole(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  json::object role = *found;
  FARGO_TRY(ApplyTags(role, GetArray(in, "Tags"), nullptr));
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::UntagRole(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  json::object role = *found;
  FARGO_TRY(ApplyTags(role, nullptr, GetArray(in, "TagKeys")));
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::ListRoleTags(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* role, FindRole(GetString(in, "RoleName")));
  json::object out;
  PageInto(out, "Tags", iam::TagItems(TagsOf(*role)), in);
  return out;
}

Result<json::object> IamService::PutRolePermissionsBoundary(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "RoleName");
  std::string boundary = GetString(in, "PermissionsBoundary");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  FARGO_TRY(FindPolicy(ctx, boundary));
  json::object role = *found;
  role["PermissionsBoundary"] = boundary;
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

Result<json::object> IamService::DeleteRolePermissionsBoundary(CallContext&, json::object& in) {
  std::string name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindRole(name));
  json::object role = *found;
  role.erase("PermissionsBoundary");
  FARGO_TRY(roles_.Put(ToLower(name), std::move(role)));
  return json::object{};
}

const HandlerTable<IamService>& IamService::Table() {
  static const HandlerTable<IamService> t{
      {"CreateRole", &IamService::CreateRole},
      {"GetRole", &IamService::GetRole},
      {"ListRoles", &IamService::ListRoles},
      {"UpdateRole", &IamService::UpdateRole},
      {"UpdateRoleDescription", &IamService::UpdateRoleDescription},
      {"UpdateAssumeRolePolicy", &IamService::UpdateAssumeRolePolicy},
      {"DeleteRole", &IamService::DeleteRole},
      {"TagRole", &IamService::TagRole},
      {"UntagRole", &IamService::UntagRole},
      {"ListRoleTags", &IamService::ListRoleTags},
      {"PutRolePermissionsBoundary", &IamService::PutRolePermissionsBoundary},
      {"DeleteRolePermissionsBoundary", &IamService::DeleteRolePermissionsBoundary},
      {"PutRolePolicy", &IamService::PutRolePolicy},
      {"GetRolePolicy", &IamService::GetRolePolicy},
      {"ListRolePolicies", &IamService::ListRolePolicies},
      {"DeleteRolePolicy", &IamService::DeleteRolePolicy},
      {"CreatePolicy", &IamService::CreatePolicy},
      {"GetPolicy", &IamService::GetPolicy},
      {"ListPolicies", &IamService::ListPolicies},
      {"DeletePolicy", &IamService::DeletePolicy},
      {"CreatePolicyVersion", &IamService::CreatePolicyVersion},
      {"GetPolicyVersion", &IamService::GetPolicyVersion},
      {"ListPolicyVersions", &IamService::ListPolicyVersions},
      {"DeletePolicyVersion", &IamService::DeletePolicyVersion},
      {"SetDefaultPolicyVersion", &IamService::SetDefaultPolicyVersion},
      {"TagPolicy", &IamService::TagPolicy},
      {"UntagPolicy", &IamService::UntagPolicy},
      {"ListPolicyTags", &IamService::ListPolicyTags},
      {"AttachRolePolicy", &IamService::AttachRolePolicy},
      {"DetachRolePolicy", &IamService::DetachRolePolicy},
      {"ListAttachedRolePolicies", &IamService::ListAttachedRolePolicies},
      {"ListEntitiesForPolicy", &IamService::ListEntitiesForPolicy},
      {"CreateInstanceProfile", &IamService::CreateInstanceProfile},
      {"GetInstanceProfile", &IamService::GetInstanceProfile},
      {"DeleteInstanceProfile", &IamService::DeleteInstanceProfile},
      {"ListInstanceProfiles", &IamService::ListInstanceProfiles},
      {"AddRoleToInstanceProfile", &IamService::AddRoleToInstanceProfile},
      {"RemoveRoleFromInstanceProfile", &IamService::RemoveRoleFromInstanceProfile},
      {"ListInstanceProfilesForRole", &IamService::ListInstanceProfilesForRole},
      {"TagInstanceProfile", &IamService::TagInstanceProfile},
      {"UntagInstanceProfile", &IamService::UntagInstanceProfile},
      {"ListInstanceProfileTags", &IamService::ListInstanceProfileTags},
  };
  return t;
}

}  // namespace fargo::services
