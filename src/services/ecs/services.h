// Services: the service operations (CreateService, UpdateService,
// DescribeServices, ListServices, DeleteService). They validate, store the
// service document and start deployments (deployment.h); the Scheduler then
// brings the service's tasks in line.
#pragma once

#include "services/ecs/clusters.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/scheduler.h"
#include "services/ecs/service.h"
#include "services/ecs/task_definitions.h"

namespace fargo::services::ecs {

class Services {
 public:
  Services(EcsState& state, const Clusters& clusters, const TaskDefinitions& taskdefs, Scheduler& scheduler)
      : st_(state), clusters_(clusters), taskdefs_(taskdefs), scheduler_(scheduler) {}

  Result<json::object> Create(CallContext& ctx, json::object& in);
  Result<json::object> Update(CallContext& ctx, json::object& in);
  Result<json::object> Describe(CallContext& ctx, json::object& in);
  Result<json::object> List(CallContext& ctx, json::object& in);
  Result<json::object> Delete(CallContext& ctx, json::object& in);

 private:
  // The store key of the ACTIVE service the request's "service" (and
  // "cluster") name, or the error ECS answers.
  Result<std::string> ActiveServiceKey(CallContext& ctx, const json::object& in) const;
  // Moves the service forward and persists it if it changed.
  Status Advance(const std::string& key, Service& svc);
  // Schedules the stored service and answers it as Create/Update/DeleteService do.
  Result<json::object> Schedule(const std::string& key);

  EcsState& st_;
  const Clusters& clusters_;
  const TaskDefinitions& taskdefs_;
  Scheduler& scheduler_;
};

}  // namespace fargo::services::ecs
