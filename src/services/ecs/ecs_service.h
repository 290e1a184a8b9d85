// ECS control plane: clusters, task definitions, services, tasks and their tags.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class EcsService final : public Service {
 public:
  explicit EcsService(Env env);
  std::string name() const override { return "ecs"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

 private:
  static const HandlerTable<EcsService>& Table();

  Env env_;
};

}  // namespace fargo::services
