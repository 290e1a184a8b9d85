// STS: caller identity and temporary credentials for assumed roles.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class StsService final : public Service {
 public:
  explicit StsService(Env env);
  std::string name() const override { return "sts"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // The identity behind an access key: an assumed-role session if the key was
  // issued by AssumeRole and is unexpired, else the account root.
  json::object IdentityOf(const std::string& access_key, const std::string& account);

  // Temporary credentials for `role_arn`, issued exactly as AssumeRole issues
  // them: the same validation, the same session record, the same result
  // ({"Credentials": {AccessKeyId, SecretAccessKey, SessionToken, Expiration
  // (epoch seconds)}, "AssumedRoleUser": {...}, ...}), so GetCallerIdentity
  // with the returned key answers the assumed-role ARN. For ECS task roles;
  // called on the state thread.
  Result<json::object> IssueRoleCredentials(const std::string& role_arn,
                                            const std::string& session_name,
                                            int64_t duration_seconds);

 private:
  Result<json::object> GetCallerIdentity(CallContext& ctx, json::object& in);
  Result<json::object> AssumeRole(CallContext& ctx, json::object& in);
  Result<json::object> GetSessionToken(CallContext& ctx, json::object& in);

  static const HandlerTable<StsService>& Table();

  Env env_;
  store::Collection sessions_;  // key: access key id
};

// The body the ECS credentials endpoint (169.254.170.2/v2/credentials/<id>)
// answers for credentials from IssueRoleCredentials / AssumeRole, in the shape
// the SDKs' container providers parse:
//   {"RoleArn", "AccessKeyId", "SecretAccessKey", "Token",
//    "Expiration": "2026-11-25T10:00:00Z"}
json::object ContainerCredentialsBody(const json::object& issued, const std::string& role_arn);

}  // namespace fargo::services
