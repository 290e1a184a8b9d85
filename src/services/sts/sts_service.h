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

 private:
  Result<json::object> GetCallerIdentity(CallContext& ctx, json::object& in);
  Result<json::object> AssumeRole(CallContext& ctx, json::object& in);
  Result<json::object> GetSessionToken(CallContext& ctx, json::object& in);

  static const HandlerTable<StsService>& Table();

  Env env_;
  store::Collection sessions_;  // key: access key id
};

}  // namespace fargo::services
