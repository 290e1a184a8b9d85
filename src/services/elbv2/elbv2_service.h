// ELBv2 control plane: load balancers, target groups, listeners, attributes and target health.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class Elbv2Service final : public Service {
 public:
  explicit Elbv2Service(Env env);
  std::string name() const override { return "elbv2"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

 private:
  static const HandlerTable<Elbv2Service>& Table();

  Env env_;
};

}  // namespace fargo::services
