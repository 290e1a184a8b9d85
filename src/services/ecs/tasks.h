// Tasks: the task operations (RunTask, StopTask, DescribeTasks, ListTasks),
// the task life cycle driven by the runtime's reports, and what the task
// endpoints ask of a task (its credentials, its metadata).
//
// A task is launched with a runtime::TaskPlan built from its definition; the
// runtime (a runtime::TaskDriver, when one is set) answers with TaskReports
// that move the Task forward, never back. Tasks a service started are
// reported to the service's scheduler through ServiceHooks.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/ecs/task_metadata_view.h"
#include "runtime/task_driver.h"
#include "services/ecs/clusters.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/task_definitions.h"
#include "services/ecs/task_plan_builder.h"

namespace fargo::services::ecs {

class Tasks {
 public:
  Tasks(EcsState& state, const Clusters& clusters, const TaskDefinitions& taskdefs)
      : st_(state), clusters_(clusters), taskdefs_(taskdefs) {}

  // ---- wiring (state thread)
  void SetTaskDriver(runtime::TaskDriver* driver) { driver_ = driver; }
  void SetNetworkResolver(NetworkResolver resolver) { network_ = std::move(resolver); }
  void SetObjectReader(ObjectReader reader) { read_object_ = std::move(reader); }
  void SetInterfaceHooks(InterfaceCreator create, InterfaceRemover remove) {
    create_interface_ = std::move(create);
    remove_interface_ = std::move(remove);
  }
  // What the scheduler hears of service tasks: one stopped (for failure
  // accounting), and one that changed (its service is scheduled again).
  struct ServiceHooks {
    std::function<void(const Task&)> stopped;
    std::function<void(const std::string& service_key)> changed;
  };
  void SetServiceHooks(ServiceHooks hooks) { hooks_ = std::move(hooks); }
  // What a service's loadBalancers ask of ELBv2 (load_balancing.cpp):
  // register and deregister a task's address and port in a target group,
  // and the target's state there ("" when not registered).
  struct TargetHooks {
    std::function<Status(const std::string& region, const std::string& tg, const std::string& ip, int64_t port)>
        register_target, deregister_target;
    std::function<std::string(const std::string& region, const std::string& tg, const std::string& ip, int64_t port)>
        state;
  };
  void SetTargetHooks(TargetHooks hooks) { targets_ = std::move(hooks); }
  // Told the ARN of each exec-enabled task once it is STOPPED (its ECS Exec
  // sessions end with it).
  void SetExecEnder(std::function<void(const std::string& task_arn)> ender) { exec_ender_ = std::move(ender); }
  const TargetHooks& target_hooks() const { return targets_; }
  // A service task's targets: (target group, port) per loadBalancers entry
  // with a targetGroupArn; none for a task of no such service.
  std::vector<std::pair<std::string, int64_t>> TargetsOf(const Task& t) const;
  // Tasks DEACTIVATING whose targets are drained go on to stop (each tick).
  void FinishDeactivations();

  // ---- operations
  Result<json::object> Run(CallContext& ctx, json::object& in);
  Result<json::object> Stop(CallContext& ctx, json::object& in);
  Result<json::object> Describe(CallContext& ctx, json::object& in);
  Result<json::object> List(CallContext& ctx, json::object& in);

  // Everything a new task is made of.
  struct Launch {
    std::string region, account;
    const json::object* cluster = nullptr;  // Cluster document
    const json::object* task_definition = nullptr;
    json::object overrides;  // TaskOverride
    std::vector<std::string> subnets, security_groups;
    bool public_ip = false;  // assignPublicIp ENABLED
    std::string launch_type = "FARGATE";
    std::string capacity_provider;  // "" = launch type
    std::string started_by, group;
    json::array tags;
    bool enable_execute_command = false;
    std::string service_name;  // for service tasks
    // Subnets already looked up in EC2 (nullopt: it has none such); filled
    // as launches look them up, so each is asked for once.
    std::map<std::string, std::optional<SubnetNetwork>> resolved;
  };
  // Creates, stores and (with a driver) launches a task; returns it. Tasks
  // whose plan cannot be built are stored STOPPED (TaskFailedToStart).
  Result<const Task*> LaunchTask(Launch& launch);
  // Asks a task to stop (no-op when it already is stopping).
  Status StopTask(const std::string& key, StopCode code, const std::string& reason);
  // Deletes STOPPED tasks older than an hour.
  void Expire(double now);
  // Asks EC2 again where each live task's subnet sends 0.0.0.0/0 and, where
  // that changed (a route, an association), stores it in the task's plan and
  // tells the runtime, as AWS applies route changes at once. Every second
  // (Tick); in-memory lookups only.
  void ReconcileEgress();

  // ---- the runtime's side
  void ApplyReport(const runtime::TaskReport& report);
  std::vector<runtime::TaskPlan> LivePlans() const;
  // The EC2 interface of every task not STOPPED that has one.
  struct Interface {
    std::string task_arn, region, eni_id;
  };
  std::vector<Interface> LiveInterfaces() const;
  void ResumeStops();

  // ---- the task endpoints
  struct CredentialsTarget {
    std::string region, account, role_arn, task_arn;
  };
  std::optional<CredentialsTarget> Credentials(const std::string& credentials_id) const;
  // What the metadata endpoint shows to the container `token` names
  // ("<task id>-<container index>"); nullopt for an unknown token.
  std::optional<TaskMetadataView> Metadata(const std::string& token) const;
  // Where a task of `region` answers in its VPC (fargo port-forward).
  struct Address {
    std::string task_arn, vpc_id, ip, last_status;
  };
  // `ref` is a task ARN or id; nullopt: no such task in the region.
  std::optional<Address> AddressOf(const std::string& region, const std::string& ref) const;

 private:
  // Persists a changed task (version + 1).
  Status PutTask(const std::string& key, Task t);
  // The subnet, looked up once per Launch.
  std::optional<SubnetNetwork> Subnet(Launch& l, const std::string& subnet);

  EcsState& st_;
  const Clusters& clusters_;
  const TaskDefinitions& taskdefs_;
  runtime::TaskDriver* driver_ = nullptr;
  NetworkResolver network_;
  ObjectReader read_object_;
  InterfaceCreator create_interface_;
  InterfaceRemover remove_interface_;
  ServiceHooks hooks_;
  TargetHooks targets_;
  std::function<void(const std::string& task_arn)> exec_ender_;
  uint64_t subnet_rr_ = 0;  // round robin over a task's subnets
};

}  // namespace fargo::services::ecs
