#include "services/iam/iam_service.h"

namespace fargo::services {

IamService::IamService(Env env) : env_(env) {}

Status IamService::Start() { return OkStatus(); }

Result<json::object> IamService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<IamService>& IamService::Table() {
  static const HandlerTable<IamService> t{};
  return t;
}

}  // namespace fargo::services
