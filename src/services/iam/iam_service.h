// IAM: roles, inline and managed policies, attachments and instance profiles.
//
// IAM is global: one state for the account whatever region a request names.
// Entities are keyed by their lowercased name (IAM names are unique without
// regard to case); managed policies by name too, as their names are unique
// across paths. A role document holds its inline policies and the ARNs of
// its attached managed policies, so every write touches one document.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/iam/aws_managed_policies.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class IamService final : public Service {
 public:
  explicit IamService(Env env);
  std::string name() const override { return "iam"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // The role of an instance profile named by name or ARN, for EC2's
  // instances (state thread); nullopt when there is no such profile.
  struct ProfileRole {
    std::string profile_arn, profile_id, role_arn, role_name;
    std::vector<std::string> policy_arns;  // attached managed policies
  };
  std::optional<ProfileRole> InstanceProfileRole(const std::string& name_or_arn) const;

 private:
  // A managed policy named by ARN: one of ours, or a built-in AWS one.
  struct PolicyRef {
    const json::object* local = nullptr;
    const iam::AwsManagedPolicy* aws = nullptr;
    std::string arn;
  };

  // Roles (iam_service.cpp).
  Result<json::object> CreateRole(CallContext& ctx, json::object& in);
  Result<json::object> GetRole(CallContext& ctx, json::object& in);
  Result<json::object> ListRoles(CallContext& ctx, json::object& in);
  Result<json::object> UpdateRole(CallContext& ctx, json::object& in);
  Result<json::object> UpdateRoleDescription(CallContext& ctx, json::object& in);
  Result<json::object> UpdateAssumeRolePolicy(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRole(CallContext& ctx, json::object& in);
  Result<json::object> TagRole(CallContext& ctx, json::object& in);
  Result<json::object> UntagRole(CallContext& ctx, json::object& in);
  Result<json::object> ListRoleTags(CallContext& ctx, json::object& in);
  Result<json::object> PutRolePermissionsBoundary(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRolePermissionsBoundary(CallContext& ctx, json::object& in);

  // Inline role policies (iam_policies.cpp).
  Result<json::object> PutRolePolicy(CallContext& ctx, json::object& in);
  Result<json::object> GetRolePolicy(CallContext& ctx, json::object& in);
  Result<json::object> ListRolePolicies(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRolePolicy(CallContext& ctx, json::object& in);

  // Managed policies and attachments (iam_policies.cpp).
  Result<json::object> CreatePolicy(CallContext& ctx, json::object& in);
  Result<json::object> GetPolicy(CallContext& ctx, json::object& in);
  Result<json::object> ListPolicies(CallContext& ctx, json::object& in);
  Result<json::object> DeletePolicy(CallContext& ctx, json::object& in);
  Result<json::object> CreatePolicyVersion(CallContext& ctx, json::object& in);
  Result<json::object> GetPolicyVersion(CallContext& ctx, json::object& in);
  Result<json::object> ListPolicyVersions(CallContext& ctx, json::object& in);
  Result<json::object> DeletePolicyVersion(CallContext& ctx, json::object& in);
  Result<json::object> SetDefaultPolicyVersion(CallContext& ctx, json::object& in);
  Result<json::object> TagPolicy(CallContext& ctx, json::object& in);
  Result<json::object> UntagPolicy(CallContext& ctx, json::object& in);
  Result<json::object> ListPolicyTags(CallContext& ctx, json::object& in);
  Result<json::object> AttachRolePolicy(CallContext& ctx, json::object& in);
  Result<json::object> DetachRolePolicy(CallContext& ctx, json::object& in);
  Result<json::object> ListAttachedRolePolicies(CallContext& ctx, json::object& in);
  Result<json::object> ListEntitiesForPolicy(CallContext& ctx, json::object& in);

  // Instance profiles (iam_instance_profiles.cpp).
  Result<json::object> CreateInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> GetInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> DeleteInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> ListInstanceProfiles(CallContext& ctx, json::object& in);
  Result<json::object> AddRoleToInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> RemoveRoleFromInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> ListInstanceProfilesForRole(CallContext& ctx, json::object& in);
  Result<json::object> TagInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> UntagInstanceProfile(CallContext& ctx, json::object& in);
  Result<json::object> ListInstanceProfileTags(CallContext& ctx, json::object& in);

  // The role named `name`, or NoSuchEntity.
  Result<const json::object*> FindRole(const std::string& name);
  // The managed policy with this ARN, or NoSuchEntity with `missing` (the
  // text after "Policy ARN ").
  Result<PolicyRef> FindPolicy(const CallContext& ctx, const std::string& arn,
                               const std::string& missing = "was not found.");
  // Like FindPolicy but refuses AWS managed policies, which are read-only.
  Result<const json::object*> FindLocalPolicy(const CallContext& ctx, const std::string& arn);
  Result<const json::object*> FindInstanceProfile(const std::string& name);

  // Output shapes. `full` adds what only Get* calls return (tags,
  // permissions boundary, last use).
  json::object RoleView(const json::object& role, bool full) const;
  json::object PolicyView(const PolicyRef& ref, bool full) const;
  json::object InstanceProfileView(const json::object& profile) const;

  // How many roles use `arn` as a permissions policy / as their boundary.
  int64_t AttachmentCount(const std::string& arn) const;
  int64_t BoundaryUsageCount(const std::string& arn) const;

  int64_t Now() const;

  static const HandlerTable<IamService>& Table();

  Env env_;
  store::Collection roles_;     // key: lowercased role name
  store::Collection policies_;  // key: lowercased policy name (local policies)
  store::Collection profiles_;  // key: lowercased instance profile name
};

}  // namespace fargo::services
