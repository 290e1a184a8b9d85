#include "services/sts/sts_service.h"

#include "common/strings.h"

namespace fargo::services {

StsService::StsService(Env env) : env_(env), sessions_(env.store, "sts.sessions") {}

Status StsService::Start() { return sessions_.Load(); }

Result<json::object> StsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

json::object StsService::IdentityOf(const std::string& access_key, const std::string& account) {
  json::object out;
  if (auto* s = sessions_.Find(access_key)) {
    if (GetInt(*s, "expiration") * 1000 > env_.clock.NowMillis()) {
      out["UserId"] = GetString(*s, "roleId") + ":" + GetString(*s, "sessionName");
      out["Account"] = account;
      out["Arn"] = GetString(*s, "assumedRoleArn");
      return out;
    }
  }
  out["UserId"] = account;
  out["Account"] = account;
  out["Arn"] = "arn:aws:iam::" + account + ":root";
  return out;
}

Result<json::object> StsService::GetCallerIdentity(CallContext& ctx, json::object&) {
  return IdentityOf(ctx.access_key, ctx.account);
}

Result<json::object> StsService::AssumeRole(CallContext& ctx, json::object& in) {
  (void)ctx;
  return IssueRoleCredentials(GetString(in, "RoleArn"), GetString(in, "RoleSessionName"),
                              GetInt(in, "DurationSeconds", 3600));
}

Result<json::object> StsService::IssueRoleCredentials(const std::string& role_arn,
                                                      const std::string& session,
                                                      int64_t duration) {
  if (duration < 900 || duration > 43200)
    return AwsError::Make("ValidationError",
                          "1 validation error detected: Value '" + std::to_string(duration) +
                              "' at 'durationSeconds' failed to satisfy constraint: Member must have value "
                              "greater than or equal to 900");
  // arn:aws:iam::ACCOUNT:role/path/name
  auto pos = role_arn.find(":role/");
  if (pos == std::string::npos || role_arn.rfind("arn:", 0) != 0)
    return AwsError::Make("ValidationError", role_arn + " is invalid");
  std::string account = role_arn.substr(13, role_arn.find(':', 13) - 13);
  std::string role_name = role_arn.substr(role_arn.rfind('/') + 1);
  std::string role_id = "AROA" + env_.ids.Upper(17);
  std::string access_key = "ASIA" + env_.ids.Upper(16);
  int64_t expiration = env_.clock.NowMillis() / 1000 + duration;
  std::string assumed_arn = "arn:aws:sts::" + account + ":assumed-role/" + role_name + "/" + session;
  json::object doc{{"roleId", role_id},       {"sessionName", session},
                   {"assumedRoleArn", assumed_arn}, {"expiration", expiration},
                   {"roleArn", role_arn}};
  FARGO_TRY(sessions_.Put(access_key, doc));
  json::object creds{{"AccessKeyId", access_key},
                     {"SecretAccessKey", env_.ids.Hex(40)},
                     {"SessionToken", "FQoGZXIvYXdzE" + env_.ids.Hex(120)},
                     {"Expiration", static_cast<double>(expiration)}};
  return json::object{{"Credentials", creds},
                      {"AssumedRoleUser",
                       json::object{{"AssumedRoleId", role_id + ":" + session}, {"Arn", assumed_arn}}},
                      {"PackedPolicySize", 6}};
}

Result<json::object> StsService::GetSessionToken(CallContext& ctx, json::object& in) {
  int64_t duration = GetInt(in, "DurationSeconds", 43200);
  int64_t expiration = env_.clock.NowMillis() / 1000 + duration;
  (void)ctx;
  return json::object{{"Credentials", json::object{{"AccessKeyId", "ASIA" + env_.ids.Upper(16)},
                                                   {"SecretAccessKey", env_.ids.Hex(40)},
                                                   {"SessionToken", "FQoGZXIvYXdzE" + env_.ids.Hex(120)},
                                                   {"Expiration", static_cast<double>(expiration)}}}};
}

const HandlerTable<StsService>& StsService::Table() {
  static const HandlerTable<StsService> t{
      {"GetCallerIdentity", &StsService::GetCallerIdentity},
      {"AssumeRole", &StsService::AssumeRole},
      {"GetSessionToken", &StsService::GetSessionToken},
  };
  return t;
}

json::object ContainerCredentialsBody(const json::object& issued, const std::string& role_arn) {
  json::object creds;
  if (auto* c = GetObject(issued, "Credentials")) creds = *c;
  double expiration = 0;
  if (auto* e = creds.if_contains("Expiration"); e && e->is_number()) expiration = e->to_number<double>();
  return json::object{{"RoleArn", role_arn},
                      {"AccessKeyId", GetString(creds, "AccessKeyId")},
                      {"SecretAccessKey", GetString(creds, "SecretAccessKey")},
                      {"Token", GetString(creds, "SessionToken")},
                      {"Expiration", Iso8601NoFraction(expiration)}};
}

}  // namespace fargo::services
