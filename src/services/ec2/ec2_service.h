// EC2 networking: VPCs, subnets, security groups and what AWS creates with them.
#pragma once

#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class Ec2Service final : public Service {
 public:
  explicit Ec2Service(Env env);
  std::string name() const override { return "ec2"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

 private:
  static const HandlerTable<Ec2Service>& Table();

  Env env_;
};

}  // namespace fargo::services
