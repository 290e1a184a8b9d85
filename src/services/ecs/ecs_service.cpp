#include "services/ecs/ecs_service.h"

namespace fargo::services {

EcsService::EcsService(Env env)
    : state_(env),
      clusters_(std::make_unique<ecs::Clusters>(state_)),
      taskdefs_(std::make_unique<ecs::TaskDefinitions>(state_)),
      tasks_(std::make_unique<ecs::Tasks>(state_, *clusters_, *taskdefs_)),
      scheduler_(std::make_unique<ecs::Scheduler>(state_, *taskdefs_, *tasks_)),
      services_(std::make_unique<ecs::Services>(state_, *clusters_, *taskdefs_, *scheduler_)),
      tags_(std::make_unique<ecs::Tags>(state_)),
      exec_(std::make_unique<ecs::ExecCommands>(state_, *clusters_)) {
  ecs::Scheduler* scheduler = scheduler_.get();
  tasks_->SetServiceHooks({[scheduler](const ecs::Task& t) { scheduler->NoteTaskStopped(t); },
                           [scheduler](const std::string& key) { scheduler->Schedule(key); }});
}

Status EcsService::Start() { return state_.Load(); }

void EcsService::Tick() {
  tasks_->Expire(state_.env.clock.NowSeconds());
  tasks_->ReconcileEgress();
  tasks_->FinishDeactivations();
  scheduler_->ScheduleAll();
}

Result<json::object> EcsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

// clang-format off
Result<json::object> EcsService::CreateCluster(CallContext& c, json::object& in) { return clusters_->Create(c, in); }
Result<json::object> EcsService::DescribeClusters(CallContext& c, json::object& in) { return clusters_->Describe(c, in); }
Result<json::object> EcsService::ListClusters(CallContext& c, json::object& in) { return clusters_->List(c, in); }
Result<json::object> EcsService::UpdateCluster(CallContext& c, json::object& in) { return clusters_->Update(c, in); }
Result<json::object> EcsService::PutClusterCapacityProviders(CallContext& c, json::object& in) { return clusters_->PutCapacityProviders(c, in); }
Result<json::object> EcsService::DeleteCluster(CallContext& c, json::object& in) { return clusters_->Delete(c, in); }
Result<json::object> EcsService::RegisterTaskDefinition(CallContext& c, json::object& in) { return taskdefs_->Register(c, in); }
Result<json::object> EcsService::DescribeTaskDefinition(CallContext& c, json::object& in) { return taskdefs_->Describe(c, in); }
Result<json::object> EcsService::ListTaskDefinitions(CallContext& c, json::object& in) { return taskdefs_->List(c, in); }
Result<json::object> EcsService::ListTaskDefinitionFamilies(CallContext& c, json::object& in) { return taskdefs_->ListFamilies(c, in); }
Result<json::object> EcsService::DeregisterTaskDefinition(CallContext& c, json::object& in) { return taskdefs_->Deregister(c, in); }
Result<json::object> EcsService::DeleteTaskDefinitions(CallContext& c, json::object& in) { return taskdefs_->Delete(c, in); }
Result<json::object> EcsService::CreateService(CallContext& c, json::object& in) { return services_->Create(c, in); }
Result<json::object> EcsService::UpdateService(CallContext& c, json::object& in) { return services_->Update(c, in); }
Result<json::object> EcsService::DescribeServices(CallContext& c, json::object& in) { return services_->Describe(c, in); }
Result<json::object> EcsService::ListServices(CallContext& c, json::object& in) { return services_->List(c, in); }
Result<json::object> EcsService::DeleteService(CallContext& c, json::object& in) { return services_->Delete(c, in); }
Result<json::object> EcsService::RunTask(CallContext& c, json::object& in) { return tasks_->Run(c, in); }
Result<json::object> EcsService::StopTask(CallContext& c, json::object& in) { return tasks_->Stop(c, in); }
Result<json::object> EcsService::DescribeTasks(CallContext& c, json::object& in) { return tasks_->Describe(c, in); }
Result<json::object> EcsService::ListTasks(CallContext& c, json::object& in) { return tasks_->List(c, in); }
Result<json::object> EcsService::ExecuteCommand(CallContext& c, json::object& in) { return exec_->Execute(c, in); }
Result<json::object> EcsService::ListTagsForResource(CallContext& c, json::object& in) { return tags_->List(c, in); }
Result<json::object> EcsService::TagResource(CallContext& c, json::object& in) { return tags_->Tag(c, in); }
Result<json::object> EcsService::UntagResource(CallContext& c, json::object& in) { return tags_->Untag(c, in); }
// clang-format on

const HandlerTable<EcsService>& EcsService::Table() {
  static const HandlerTable<EcsService> t{
      {"CreateCluster", &EcsService::CreateCluster},
      {"DescribeClusters", &EcsService::DescribeClusters},
      {"ListClusters", &EcsService::ListClusters},
      {"UpdateCluster", &EcsService::UpdateCluster},
      {"UpdateClusterSettings", &EcsService::UpdateCluster},
      {"PutClusterCapacityProviders", &EcsService::PutClusterCapacityProviders},
      {"DeleteCluster", &EcsService::DeleteCluster},
      {"RegisterTaskDefinition", &EcsService::RegisterTaskDefinition},
      {"DescribeTaskDefinition", &EcsService::DescribeTaskDefinition},
      {"ListTaskDefinitions", &EcsService::ListTaskDefinitions},
      {"ListTaskDefinitionFamilies", &EcsService::ListTaskDefinitionFamilies},
      {"DeregisterTaskDefinition", &EcsService::DeregisterTaskDefinition},
      {"DeleteTaskDefinitions", &EcsService::DeleteTaskDefinitions},
      {"CreateService", &EcsService::CreateService},
      {"UpdateService", &EcsService::UpdateService},
      {"DescribeServices", &EcsService::DescribeServices},
      {"ListServices", &EcsService::ListServices},
      {"DeleteService", &EcsService::DeleteService},
      {"RunTask", &EcsService::RunTask},
      {"StopTask", &EcsService::StopTask},
      {"DescribeTasks", &EcsService::DescribeTasks},
      {"ListTasks", &EcsService::ListTasks},
      {"ExecuteCommand", &EcsService::ExecuteCommand},
      {"ListTagsForResource", &EcsService::ListTagsForResource},
      {"TagResource", &EcsService::TagResource},
      {"UntagResource", &EcsService::UntagResource},
  };
  return t;
}

}  // namespace fargo::services
