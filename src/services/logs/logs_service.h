// CloudWatch Logs: log groups, streams and events, with retention and filter patterns.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class LogsService final : public Service {
 public:
  explicit LogsService(Env env);
  std::string name() const override { return "logs"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

 private:
  static const HandlerTable<LogsService>& Table();

  Env env_;
};

}  // namespace fargo::services
