#include "services/ecs/ecs_service.h"

namespace fargo::services {

EcsService::EcsService(Env env) : env_(env) {}

Status EcsService::Start() { return OkStatus(); }

Result<json::object> EcsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<EcsService>& EcsService::Table() {
  static const HandlerTable<EcsService> t{};
  return t;
}

}  // namespace fargo::services
