// ECS control plane: clusters, task definitions, services and their tags.
// Containers are not run here; a task runtime reports task counts through
// ReportServiceTasks() and the service documents move on from there.
//
// Collections (keys are Key(region, ...)):
//   ecs.clusters  cluster name            -> Cluster (+ "_"-prefixed internals)
//   ecs.taskdefs  family ":" %010d rev    -> TaskDefinition (+ "_tags")
//   ecs.families  family                  -> {"lastRevision": n}
//   ecs.services  cluster "/" service     -> Service (+ internals, see service_state.h)
#pragma once

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

  // For a task runtime: the tasks it observes for one deployment of a service.
  // The service's counts, rollout state and events follow on the next read.
  Status ReportServiceTasks(const std::string& region, const std::string& cluster,
                            const std::string& service, const std::string& deployment_id, int64_t running,
                            int64_t pending, int64_t failed);

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
  // Tags
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);

  static const HandlerTable<EcsService>& Table();

  // The ACTIVE cluster named by `id` (a name or ARN; empty = "default"), or
  // ClusterNotFoundException.
  Result<json::object*> ActiveCluster(const std::string& region, const std::string& id);
  // The cluster as DescribeClusters shows it, with the requested extras.
  json::object ClusterView(const std::string& region, const json::object& doc, bool tags, bool settings,
                           bool configurations, bool statistics);
  // The task definition `ref` names: family (latest ACTIVE), family:rev or ARN.
  json::object* FindTaskDefinition(const std::string& region, const std::string& ref);
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
    json::object* doc;
    const char* member;
  };
  // The resource an ARN names (cluster, service or task definition), or the
  // error ECS answers for an unknown one.
  Result<TagTarget> FindTagTarget(const std::string& arn, bool for_write);

  static std::string TaskDefKey(const std::string& region, const std::string& family, int64_t rev);

  Env env_;
  store::Collection clusters_;
  store::Collection taskdefs_;
  store::Collection families_;
  store::Collection services_;
};

}  // namespace fargo::services
