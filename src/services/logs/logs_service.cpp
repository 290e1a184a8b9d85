#include "services/logs/logs_service.h"

namespace fargo::services {

LogsService::LogsService(Env env) : env_(env) {}

Status LogsService::Start() { return OkStatus(); }

Result<json::object> LogsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<LogsService>& LogsService::Table() {
  static const HandlerTable<LogsService> t{};
  return t;
}

}  // namespace fargo::services
