// Instance profiles: containers for at most one role, handed to EC2.
#include "common/strings.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_util.h"

namespace fargo::services {

namespace {

bool HasRole(const json::object& profile, const std::string& role_key) {
  const auto* roles = GetArray(profile, "Roles");
  if (!roles) return false;
  for (const auto& r : *roles)
    if (r.is_string() && r.as_string() == role_key) return true;
  return false;
}

}  // namespace

std::optional<IamService::ProfileRole> IamService::InstanceProfileRole(const std::string& name_or_arn) const {
  std::string name = name_or_arn.substr(name_or_arn.rfind('/') == std::string::npos ? 0 : name_or_arn.rfind('/') + 1);
  const json::object* profile = profiles_.Find(ToLower(name));
  if (!profile) return std::nullopt;
  if (name_or_arn.rfind("arn:", 0) == 0 && GetString(*profile, "Arn") != name_or_arn) return std::nullopt;
  ProfileRole out;
  out.profile_arn = GetString(*profile, "Arn");
  out.profile_id = GetString(*profile, "InstanceProfileId");
  if (const auto* keys = GetArray(*profile, "Roles"))
    for (const auto& k : *keys)
      if (const auto* role = k.is_string() ? roles_.Find(std::string(k.as_string())) : nullptr) {
        out.role_arn = GetString(*role, "Arn");
        out.role_name = GetString(*role, "RoleName");
        if (const auto* attached = GetArray(*role, "AttachedPolicies"))
          for (const auto& a : *attached)
            if (a.is_string()) out.policy_arns.emplace_back(a.as_string());
        break;
      }
  return out;
}

Result<const json::object*> IamService::FindInstanceProfile(const std::string& name) {
  FARGO_TRY(iam::ValidateName(name, "instanceProfileName"));
  const json::object* profile = profiles_.Find(ToLower(name));
  if (!profile)
    return AwsError::Make("NoSuchEntity", "Instance Profile " + name + " cannot be found.", 404);
  return profile;
}

json::object IamService::InstanceProfileView(const json::object& profile) const {
  json::object out;
  for (const char* k : {"Path", "InstanceProfileName", "InstanceProfileId", "Arn"}) out[k] = GetString(profile, k);
  out["CreateDate"] = static_cast<double>(GetInt(profile, "CreateDate"));
  json::array roles;
  if (const auto* keys = GetArray(profile, "Roles"))
    for (const auto& k : *keys)
      if (const auto* role = k.is_string() ? roles_.Find(std::string(k.as_string())) : nullptr)
        roles.push_back(RoleView(*role, false));
  out["Roles"] = std::move(roles);
  json::array tags = iam::TagsOf(profile);
  if (!tags.empty()) out["Tags"] = std::move(tags);
  return out;
}

Result<json::object> IamService::CreateInstanceProfile(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  std::string path = GetString(in, "Path", "/");
  FARGO_TRY(iam::ValidateName(name, "instanceProfileName"));
  FARGO_TRY(iam::ValidatePath(path, "path"));
  if (profiles_.Find(ToLower(name)))
    return AwsError::Make("EntityAlreadyExists", "Instance Profile " + name + " already exists.", 409);
  json::object profile{{"InstanceProfileName", name},
                       {"InstanceProfileId", "AIPA" + env_.ids.Upper(17)},
                       {"Arn", iam::MakeArn(ctx.account, "instance-profile", path, name)},
                       {"Path", path},
                       {"CreateDate", Now()},
                       {"Roles", json::array()},
                       {"Tags", json::array()}};
  FARGO_TRY(iam::ApplyTags(profile, GetArray(in, "Tags"), nullptr));
  json::object view = InstanceProfileView(profile);
  FARGO_TRY(profiles_.Put(ToLower(name), std::move(profile)));
  return json::object{{"InstanceProfile", std::move(view)}};
}

Result<json::object> IamService::GetInstanceProfile(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* profile, FindInstanceProfile(GetString(in, "InstanceProfileName")));
  return json::object{{"InstanceProfile", InstanceProfileView(*profile)}};
}

Result<json::object> IamService::DeleteInstanceProfile(CallContext&, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  FARGO_ASSIGN_OR_RETURN(const json::object* profile, FindInstanceProfile(name));
  const auto* roles = GetArray(*profile, "Roles");
  if (roles && !roles->empty())
    return AwsError::Make("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.",
                          409);
  FARGO_TRY(profiles_.Erase(ToLower(name)));
  return json::object{};
}

Result<json::object> IamService::ListInstanceProfiles(CallContext&, json::object& in) {
  std::string prefix = GetString(in, "PathPrefix", "/");
  FARGO_TRY(iam::ValidatePathPrefix(prefix, "pathPrefix"));
  std::vector<std::pair<std::string, json::value>> items;
  for (const auto& [key, profile] : profiles_.all())
    if (StartsWith(GetString(profile, "Path"), prefix)) items.emplace_back(key, InstanceProfileView(profile));
  json::object out;
  iam::PageInto(out, "InstanceProfiles", items, in);
  return out;
}

Result<json::object> IamService::AddRoleToInstanceProfile(CallContext&, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  std::string role_name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindInstanceProfile(name));
  FARGO_TRY(FindRole(role_name));
  const auto* roles = GetArray(*found, "Roles");
  if (roles && !roles->empty())
    return AwsError::Make("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409);
  json::object profile = *found;
  profile["Roles"] = json::array{json::string(ToLower(role_name))};
  FARGO_TRY(profiles_.Put(ToLower(name), std::move(profile)));
  return json::object{};
}

Result<json::object> IamService::RemoveRoleFromInstanceProfile(CallContext&, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  std::string role_name = GetString(in, "RoleName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindInstanceProfile(name));
  FARGO_TRY(FindRole(role_name));
  if (!HasRole(*found, ToLower(role_name)))
    return AwsError::Make("NoSuchEntity",
                          "Role " + role_name + " in InstanceProfile " + name + " cannot be found.", 404);
  json::object profile = *found;
  profile["Roles"] = json::array();
  FARGO_TRY(profiles_.Put(ToLower(name), std::move(profile)));
  return json::object{};
}

Result<json::object> IamService::ListInstanceProfilesForRole(CallContext&, json::object& in) {
  std::string role_name = GetString(in, "RoleName");
  FARGO_TRY(FindRole(role_name));
  std::string role_key = ToLower(role_name);
  std::vector<std::pair<std::string, json::value>> items;
  for (const auto& [key, profile] : profiles_.all())
    if (HasRole(profile, role_key)) items.emplace_back(key, InstanceProfileView(profile));
  json::object out;
  iam::PageInto(out, "InstanceProfiles", items, in);
  return out;
}

Result<json::object> IamService::TagInstanceProfile(CallContext&, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindInstanceProfile(name));
  json::object profile = *found;
  FARGO_TRY(iam::ApplyTags(profile, GetArray(in, "Tags"), nullptr));
  FARGO_TRY(profiles_.Put(ToLower(name), std::move(profile)));
  return json::object{};
}

Result<json::object> IamService::UntagInstanceProfile(CallContext&, json::object& in) {
  std::string name = GetString(in, "InstanceProfileName");
  FARGO_ASSIGN_OR_RETURN(const json::object* found, FindInstanceProfile(name));
  json::object profile = *found;
  FARGO_TRY(iam::ApplyTags(profile, nullptr, GetArray(in, "TagKeys")));
  FARGO_TRY(profiles_.Put(ToLower(name), std::move(profile)));
  return json::object{};
}

Result<json::object> IamService::ListInstanceProfileTags(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const json::object* profile, FindInstanceProfile(GetString(in, "InstanceProfileName")));
  auto items = iam::TagItems(iam::TagsOf(*profile));
  json::object out;
  iam::PageInto(out, "Tags", items, in);
  return out;
}

}  // namespace fargo::services
