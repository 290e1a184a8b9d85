// Clusters: the cluster operations (CreateCluster, DescribeClusters,
// ListClusters, UpdateCluster(Settings), PutClusterCapacityProviders,
// DeleteCluster) and the cluster lookup every other ECS operation starts with.
#pragma once

#include "services/ecs/ecs_state.h"

namespace fargo::services::ecs {

class Clusters {
 public:
  explicit Clusters(EcsState& state) : st_(state) {}

  Result<json::object> Create(CallContext& ctx, json::object& in);
  Result<json::object> Describe(CallContext& ctx, json::object& in);
  Result<json::object> List(CallContext& ctx, json::object& in);
  Result<json::object> Update(CallContext& ctx, json::object& in);
  Result<json::object> PutCapacityProviders(CallContext& ctx, json::object& in);
  Result<json::object> Delete(CallContext& ctx, json::object& in);

  // The ACTIVE cluster named by `id` (a name or ARN; empty = "default"), or
  // ClusterNotFoundException.
  Result<const json::object*> Active(const std::string& region, const std::string& id) const;

 private:
  // The cluster as DescribeClusters shows it, with the requested extras.
  json::object View(const std::string& region, const json::object& doc, bool tags, bool settings,
                    bool configurations, bool statistics) const;

  EcsState& st_;
};

}  // namespace fargo::services::ecs
