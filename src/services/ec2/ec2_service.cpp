#include "services/ec2/ec2_service.h"

namespace fargo::services {

Ec2Service::Ec2Service(Env env) : env_(env) {}

Status Ec2Service::Start() { return OkStatus(); }

Result<json::object> Ec2Service::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<Ec2Service>& Ec2Service::Table() {
  static const HandlerTable<Ec2Service> t{};
  return t;
}

}  // namespace fargo::services
