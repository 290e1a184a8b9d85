// ECS: clusters, task definitions, services, tasks and their tags, and the
// service scheduler. Containers are run by a runtime::TaskDriver (when one is
// set); its TaskReports come back through ApplyTaskReport() and move the task
// documents, and with them the services, forward.
//
// Collections (keys are Key(region, ...)):
//   ecs.clusters  cluster name            -> Cluster (+ "_"-prefixed internals)
//   ecs.taskdefs  family ":" %010d rev    -> TaskDefinition (+ "_tags")
//   ecs.families  family                  -> {"lastRevision": n}
//   ecs.services  cluster "/" service     -> Service (+ internals, see service_state.h)
//   ecs.tasks     cluster "/" task id     -> Task (+ "_plan", "_credentialsId", ...)
#pragma once

#include <functional>
#include <optional>
#include <set>

#include "runtime/task_driver.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class EcsService final : public Service {
 public:
  explicit EcsService(Env env);
  std::string name() const override { return "ecs"; }
  Status Start() override;
  // Rolls services forward (rollouts, drained deployments, DRAINING -> INACTIVE).
  void Tick() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // ---- wiring (all called on the state thread)

  // The runtime that runs tasks; null = none (tasks stay PROVISIONING).
  void SetTaskDriver(runtime::TaskDriver* driver) { driver_ = driver; }

  // Where a task's subnet lies.
  struct SubnetNetwork {
    std::string vpc_id, vpc_cidr, subnet_cidr, availability_zone;
  };
  using NetworkResolver =
      std::function<std::optional<SubnetNetwork>(const std::string& region, const std::string& subnet_id)>;
  void SetNetworkResolver(NetworkResolver resolver) { network_ = std::move(resolver); }

  // Reads an object of fargo's S3 (a container's environmentFiles): its
  // bytes, or S3's error (NoSuchBucket, NoSuchKey). Unset: none can be read.
  using ObjectReader = std::function<Result<std::string>(const std::string& bucket, const std::string& key)>;
  void SetObjectReader(ObjectReader reader) { read_object_ = std::move(reader); }

  // The interface of a task, made visible to EC2 once the runtime attached it.
  struct TaskInterface {
    std::string region, account;
    std::string subnet_id, private_ip;
    std::vector<std::string> security_groups;
    std::string description;  // "arn:aws:ecs:<region>:<acct>:attachment/<uuid>"
  };
  // Returns the id of the interface created; the remover is given it back.
  using InterfaceCreator = std::function<Result<std::string>(const TaskInterface&)>;
  using InterfaceRemover = std::function<void(const std::string& region, const std::string& eni_id)>;
  void SetInterfaceHooks(InterfaceCreator create, InterfaceRemover remove) {
    create_interface_ = std::move(create);
    remove_interface_ = std::move(remove);
  }

  // ---- the runtime's side

  // Applies one (complete) runtime report to its task. Reports for unknown
  // tasks, and reports that would move a task backwards, are ignored.
  void ApplyTaskReport(const runtime::TaskReport& report);

  // The plans of every stored task that is not STOPPED (TaskDriver::Adopt).
  std::vector<runtime::TaskPlan> LiveTaskPlans();

  // After TaskDriver::Adopt: asks again for the stops that were under way
  // when fargo went away (tasks not STOPPED whose desiredStatus is STOPPED).
  void ResumeStops();

  // ---- the task endpoints

  // The task metadata endpoint v4: `subpath` "" (container), "/task",
  // "/stats" or "/task/stats" for the container `token` names.
  Result<json::value> TaskMetadata(const std::string& token, const std::string& subpath);

  // Who a task's credentials id stands for.
  struct TaskCredentialsTarget {
    std::string region, account, role_arn, task_arn;
  };
  std::optional<TaskCredentialsTarget> TaskCredentials(const std::string& credentials_id);

 private:
  // Clusters
  Result<json::object> CreateCluster(CallContext& ctx, json::object& in);
  Result<json::object> DescribeClusters(CallContext& ctx, json::object& in);
  Result<json::object> ListClusters(CallContext& ctx, json::object& in);
  Result<json::object> UpdateCluster(CallContext& ctx, json::object& in);
  Result<json::object> UpdateClusterSettings(CallContext& ctx, json::object& in);
  Result<json::object> PutClusterCapacityProviders(CallContext& ctx, json::object& in);
  Result<json::object> DeleteCluster(CallContext& ctx, json::object& in);
  // Task definitions
  Result<json::object> RegisterTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> ListTaskDefinitions(CallContext& ctx, json::object& in);
  Result<json::object> ListTaskDefinitionFamilies(CallContext& ctx, json::object& in);
  Result<json::object> DeregisterTaskDefinition(CallContext& ctx, json::object& in);
  Result<json::object> DeleteTaskDefinitions(CallContext& ctx, json::object& in);
  // Services
  Result<json::object> CreateService(CallContext& ctx, json::object& in);
  Result<json::object> UpdateService(CallContext& ctx, json::object& in);
  Result<json::object> DescribeServices(CallContext& ctx, json::object& in);
  Result<json::object> ListServices(CallContext& ctx, json::object& in);
  Result<json::object> DeleteService(CallContext& ctx, json::object& in);
  // Tasks
  Result<json::object> RunTask(CallContext& ctx, json::object& in);
  Result<json::object> StopTask(CallContext& ctx, json::object& in);
  Result<json::object> DescribeTasks(CallContext& ctx, json::object& in);
  Result<json::object> ListTasks(CallContext& ctx, json::object& in);
  // Tags
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);

  static const HandlerTable<EcsService>& Table();

  // The ACTIVE cluster named by `id` (a name or ARN; empty = "default"), or
  // ClusterNotFoundException.
  Result<const json::object*> ActiveCluster(const std::string& region, const std::string& id);
  // The cluster as DescribeClusters shows it, with the requested extras.
  json::object ClusterView(const std::string& region, const json::object& doc, bool tags, bool settings,
                           bool configurations, bool statistics);
  // The task definition `ref` names: family (latest ACTIVE), family:rev or ARN.
  const json::object* FindTaskDefinition(const std::string& region, const std::string& ref);
  // Builds and stores a service deployment of the current configuration.
  void BeginDeployment(json::object& svc, double now);
  // The service as DescribeServices shows it.
  static json::object ServiceView(const json::object& doc, bool tags);
  // Moves the service document forward and persists it if it changed.
  Status Advance(const std::string& key, json::object& doc);
  // The document holding a taggable resource's tags (member `member`).
  struct TagTarget {
    store::Collection* coll;
    std::string key;
    const json::object* doc;
    const char* member;
  };
  // The resource an ARN names (cluster, service or task definition), or the
  // error ECS answers for an unknown one.
  Result<TagTarget> FindTagTarget(const std::string& arn, bool for_write);

  static std::string TaskDefKey(const std::string& region, const std::string& family, int64_t rev);

  // ---- tasks (ecs_tasks.cpp)

  // Everything a new task is made of.
  struct TaskLaunch {
    std::string region, account;
    const json::object* cluster = nullptr;  // Cluster document
    const json::object* task_definition = nullptr;
    json::object overrides;       // TaskOverride
    json::object awsvpc;          // awsvpcConfiguration (may be empty)
    std::string launch_type = "FARGATE";
    std::string capacity_provider;  // "" = launch type
    std::string started_by, group;
    json::array tags;
    bool enable_execute_command = false;
    std::string service_name, deployment_id;  // for service tasks
  };
  // Creates, stores and (with a driver) launches a task; returns its document.
  // Tasks whose plan cannot be built are stored STOPPED (TaskFailedToStart).
  Result<json::object> LaunchTask(const TaskLaunch& launch);
  // Asks a task to stop (no-op when it already is stopping).
  Status StopTaskDoc(const std::string& key, const std::string& stop_code, const std::string& reason);
  // The task as DescribeTasks shows it.
  static json::object TaskView(const json::object& doc, bool tags);
  // Persists a changed task (version + 1) and refreshes its service's counts.
  Status PutTask(const std::string& key, json::object doc);
  // Store key of a task ARN (or "" when it is not one).
  static std::string TaskKeyOfArn(const std::string& arn);
  // Deletes STOPPED tasks older than an hour.
  void ExpireTasks(double now);

  // ---- the service scheduler (ecs_scheduler.cpp)

  // Brings one service's tasks towards its deployments, and its counts up to
  // date. Re-entrant calls (a stop that completes at once) are queued.
  void Schedule(const std::string& key);
  void ScheduleOne(const std::string& key);
  // Recomputes the counts of every deployment of `svc` from the stored tasks.
  void CountTasks(const std::string& region, json::object& svc);
  // A task of a service stopped: failure accounting and back-off.
  void NoteServiceTaskStopped(const json::object& task);

  Env env_;
  store::Collection clusters_;
  store::Collection taskdefs_;
  store::Collection families_;
  store::Collection services_;
  store::Collection tasks_;

  runtime::TaskDriver* driver_ = nullptr;
  NetworkResolver network_;
  ObjectReader read_object_;
  InterfaceCreator create_interface_;
  InterfaceRemover remove_interface_;
  uint64_t subnet_rr_ = 0;  // round robin over a task's subnets
  bool scheduling_ = false;
  std::set<std::string> reschedule_;
};

}  // namespace fargo::services
