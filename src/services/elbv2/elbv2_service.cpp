#include "services/elbv2/elbv2_service.h"

namespace fargo::services {

Elbv2Service::Elbv2Service(Env env) : env_(env) {}

Status Elbv2Service::Start() { return OkStatus(); }

Result<json::object> Elbv2Service::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<Elbv2Service>& Elbv2Service::Table() {
  static const HandlerTable<Elbv2Service> t{};
  return t;
}

}  // namespace fargo::services
