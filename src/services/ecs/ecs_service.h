// EcsService: the ECS service as the gateway sees it — a handler table that
// delegates each operation to the part of ECS responsible for it, and the
// wiring through which fargo serve connects ECS with the runtime, EC2, S3
// and the task endpoints. The parts (one class per file of the same name):
//
//   Clusters         clusters.h          cluster operations, the cluster lookup
//   TaskDefinitions  task_definitions.h  task definition operations and lookup
//   Tasks            tasks.h             task operations, runtime reports, endpoints' data
//   Services         services.h          service operations
//   Scheduler        scheduler.h         keeps services' tasks running, rolls deployments
//   Tags             tags.h              tagging of every resource
//
// all over one EcsState (ecs_state.h: the stored collections).
#pragma once

#include <memory>
#include <optional>

#include "services/ecs/task_metadata_view.h"
#include "runtime/task_driver.h"
#include "services/ecs/clusters.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/exec_commands.h"
#include "services/ecs/scheduler.h"
#include "services/ecs/services.h"
#include "services/ecs/tags.h"
#include "services/ecs/task_definitions.h"
#include "services/ecs/tasks.h"
#include "services/service.h"

namespace fargo::services {

class EcsService final : public Service {
 public:
  explicit EcsService(Env env);
  std::string name() const override { return "ecs"; }
  Status Start() override;
  // Expires old STOPPED tasks and rolls services forward.
  void Tick() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // ---- wiring (all called on the state thread)

  // The runtime that runs tasks; null = none (tasks stay PROVISIONING).
  void SetTaskDriver(runtime::TaskDriver* driver) { tasks_->SetTaskDriver(driver); }
  // Where a task's subnet lies.
  using SubnetNetwork = ecs::SubnetNetwork;
  using NetworkResolver = ecs::NetworkResolver;
  void SetNetworkResolver(NetworkResolver resolver) { tasks_->SetNetworkResolver(std::move(resolver)); }
  // Reads an object of fargo's S3 (a container's environmentFiles): its
  // bytes, or S3's error (NoSuchBucket, NoSuchKey). Unset: none can be read.
  using ObjectReader = ecs::ObjectReader;
  void SetObjectReader(ObjectReader reader) { tasks_->SetObjectReader(std::move(reader)); }
  // The interface of a task, made visible to EC2 once the runtime attached it.
  using TaskInterface = ecs::TaskInterface;
  using InterfaceCreator = ecs::InterfaceCreator;
  using InterfaceRemover = ecs::InterfaceRemover;
  void SetInterfaceHooks(InterfaceCreator create, InterfaceRemover remove) {
    tasks_->SetInterfaceHooks(std::move(create), std::move(remove));
  }
  // Services' loadBalancers: their tasks' targets in ELBv2's target groups.
  using TargetHooks = ecs::Tasks::TargetHooks;
  void SetTargetHooks(TargetHooks hooks) { tasks_->SetTargetHooks(std::move(hooks)); }

  // Where ExecuteCommand registers its sessions (ECS Exec's data channel).
  void SetExecCommandStarter(ecs::ExecCommandStarter starter) { exec_->SetStarter(std::move(starter)); }
  // The container an SSM session target "ecs:<cluster>_<task>_<runtime id>"
  // names, while ECS Exec can reach it (on the state thread).
  std::optional<ecs::ExecTarget> ExecTargetOf(const std::string& region, const std::string& target) const {
    return exec_->Target(region, target);
  }
  // Told when an exec-enabled task stopped (its sessions end).
  void SetExecSessionEnder(std::function<void(const std::string& task_arn)> ender) {
    tasks_->SetExecEnder(std::move(ender));
  }

  // ---- the runtime's side

  // Applies one (complete) runtime report to its task. Reports for unknown
  // tasks, and reports that would move a task backwards, are ignored.
  void ApplyTaskReport(const runtime::TaskReport& report) { tasks_->ApplyReport(report); }
  // The plans of every stored task that is not STOPPED (TaskDriver::Adopt).
  std::vector<runtime::TaskPlan> LiveTaskPlans() const { return tasks_->LivePlans(); }
  // The EC2 interface of each task not STOPPED that has one (what its
  // security groups filter).
  using TaskInterfaceRef = ecs::Tasks::Interface;
  std::vector<TaskInterfaceRef> LiveTaskInterfaces() const { return tasks_->LiveInterfaces(); }
  // After TaskDriver::Adopt: asks again for the stops that were under way
  // when fargo went away (tasks not STOPPED whose desiredStatus is STOPPED).
  void ResumeStops() { tasks_->ResumeStops(); }

  // ---- the task endpoints

  // Whether the cluster named `cluster` in `region` has an ACTIVE service
  // named `name` (what Application Auto Scaling checks a target against).
  bool HasActiveService(const std::string& region, const std::string& cluster, const std::string& name) const {
    const json::object* d = state_.services.Find(ecs::ServiceKey(region, cluster, name));
    return d && GetString(*d, "status") == "ACTIVE";
  }

  // What the metadata endpoint shows to the container `token` names
  // (dataplane::RenderTaskMetadata renders it); nullopt: no such container.
  std::optional<ecs::TaskMetadataView> TaskMetadata(const std::string& token) const {
    return tasks_->Metadata(token);
  }
  // Where a task answers in its VPC: its ARN, VPC, address and status.
  using TaskAddressInfo = ecs::Tasks::Address;
  std::optional<TaskAddressInfo> TaskAddress(const std::string& region, const std::string& task_ref) const {
    return tasks_->AddressOf(region, task_ref);
  }
  // Who a task's credentials id stands for.
  using TaskCredentialsTarget = ecs::Tasks::CredentialsTarget;
  std::optional<TaskCredentialsTarget> TaskCredentials(const std::string& credentials_id) const {
    return tasks_->Credentials(credentials_id);
  }

 private:
  static const HandlerTable<EcsService>& Table();

  // One delegating handler per operation (ecs_service.cpp).
  Result<json::object> CreateCluster(CallContext& ctx, json::object& in);
  Result<json::object> DescribeClusters(CallContext& ctx, json::object& in);
  Result<json::object> ListClusters(CallContext& ctx, json::object& in);
  Result<json::object> UpdateCluster(CallContext& ctx, json::object& in);
  Result<json::object> PutClusterCapacityProviders(CallContext& ctx, json::object& in);
  Result<json::object> DeleteCluster(CallContext& ctx, json::object& in);
  Result<json::object> RegisterTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> ListTaskDefinitions(CallContext& ctx, json::object& in);
  Result<json::object> ListTaskDefinitionFamilies(CallContext& ctx, json::object& in);
  Result<json::object> DeregisterTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> DeleteTaskDefinitions(CallContext& ctx, json::object& in);
  Result<json::object> CreateService(CallContext& ctx, json::object& in);
  Result<json::object> UpdateService(CallContext& ctx, json::object& in);
  Result<json::object> DescribeServices(CallContext& ctx, json::object& in);
  Result<json::object> ListServices(CallContext& ctx, json::object& in);
  Result<json::object> DeleteService(CallContext& ctx, json::object& in);
  Result<json::object> RunTask(CallContext& ctx, json::object& in);
  Result<json::object> StopTask(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTasks(CallContext& ctx, json::object& in);
  Result<json::object> ListTasks(CallContext& ctx, json::object& in);
  Result<json::object> ExecuteCommand(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);

  // Declared in dependency order: each part is built from the ones above it.
  ecs::EcsState state_;
  std::unique_ptr<ecs::Clusters> clusters_;
  std::unique_ptr<ecs::TaskDefinitions> taskdefs_;
  std::unique_ptr<ecs::Tasks> tasks_;
  std::unique_ptr<ecs::Scheduler> scheduler_;
  std::unique_ptr<ecs::Services> services_;
  std::unique_ptr<ecs::Tags> tags_;
  std::unique_ptr<ecs::ExecCommands> exec_;
};

}  // namespace fargo::services
