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
  auto ec2 = std::make_unique<Ec2Service>(env);
  auto elbv2 = std::make_unique<Elbv2Service>(env);
  // Load balancers take their VPC and zones from EC2's subnets. Both live as
  // long as the gateway that owns them and are called on its state thread.
  elbv2->SetSubnetResolver([ec2 = ec2.get()](const std::string& region, const std::string& subnet_id)
                               -> std::optional<Elbv2Service::SubnetInfo> {
    const json::object* s = ec2->Subnet(region, subnet_id);
    if (!s) return std::nullopt;
    return Elbv2Service::SubnetInfo{GetString(*s, "AvailabilityZone"), GetString(*s, "VpcId")};
  });
  // ECS tasks take their network from EC2's subnets and show their
  // interfaces there (as Fargate's requester-managed ENIs).
  auto ecs = std::make_unique<EcsService>(env);
  ecs->SetNetworkResolver([ec2 = ec2.get()](const std::string& region, const std::string& subnet_id)
                              -> std::optional<EcsService::SubnetNetwork> {
    const json::object* s = ec2->Subnet(region, subnet_id);
    if (!s) return std::nullopt;
    const json::object* vpc = ec2->Vpc(region, GetString(*s, "VpcId"));
    if (!vpc) return std::nullopt;
    return EcsService::SubnetNetwork{GetString(*vpc, "VpcId"), GetString(*vpc, "CidrBlock"),
                                     GetString(*s, "CidrBlock"), GetString(*s, "AvailabilityZone")};
  });
  ecs->SetInterfaceHooks(
      [ec2 = ec2.get()](const EcsService::TaskInterface& ti) -> Result<std::string> {
        Ec2Service::InterfaceSpec spec;
        spec.subnet_id = ti.subnet_id;
        spec.group_ids = ti.security_groups;
        spec.description = ti.description;
        spec.private_ip = ti.private_ip;
        spec.interface_type = "interface";
        spec.requester_managed = true;
        FARGO_ASSIGN_OR_RETURN(json::object eni, ec2->CreateInterface(ti.region, ti.account, spec));
        return GetString(eni, "NetworkInterfaceId");
      },
      [ec2 = ec2.get()](const std::string& region, const std::string& eni_id) {
        (void)ec2->DeleteInterface(region, eni_id);
      });
  // Containers' environmentFiles are objects of fargo's S3.
  auto s3 = std::make_unique<S3Service>(env);
  ecs->SetObjectReader([s3 = s3.get()](const std::string& bucket, const std::string& key) {
    return s3->ReadObject(bucket, key);
  });
  out.push_back(std::move(ec2));
  out.push_back(std::move(ecs));
  out.push_back(std::move(elbv2));
  out.push_back(std::move(s3));
  return out;
}

}  // namespace fargo::services
