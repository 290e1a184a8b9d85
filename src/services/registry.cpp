#include "services/registry.h"

#include "services/ec2/ec2_service.h"
#include "services/ecs/ecs_service.h"
#include "services/elbv2/elbv2_service.h"
#include "services/iam/iam_service.h"
#include "services/logs/logs_service.h"
#include "services/s3/s3_service.h"
#include "services/sts/sts_service.h"

namespace fargo::services {

std::vector<std::unique_ptr<Service>> MakeServices(Env env) {
  std::vector<std::unique_ptr<Service>> out;
  out.push_back(std::make_unique<StsService>(env));
  out.push_back(std::make_unique<IamService>(env));
  out.push_back(std::make_unique<LogsService>(env));
  out.push_back(std::make_unique<Ec2Service>(env));
  out.push_back(std::make_unique<EcsService>(env));
  out.push_back(std::make_unique<Elbv2Service>(env));
  out.push_back(std::make_unique<S3Service>(env));
  return out;
}

}  // namespace fargo::services
