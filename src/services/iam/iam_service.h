// IAM: roles, inline and managed policies, attachments and instance profiles.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class IamService final : public Service {
 public:
  explicit IamService(Env env);
  std::string name() const override { return "iam"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

 private:
  static const HandlerTable<IamService>& Table();

  Env env_;
};

}  // namespace fargo::services
