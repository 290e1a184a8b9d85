// Tags: ListTagsForResource, TagResource and UntagResource over every
// taggable ECS resource (cluster, service, task definition, task).
#pragma once

#include <functional>

#include "services/ecs/ecs_state.h"

namespace fargo::services::ecs {

class Tags {
 public:
  explicit Tags(EcsState& state) : st_(state) {}

  Result<json::object> List(CallContext& ctx, json::object& in);
  Result<json::object> Tag(CallContext& ctx, json::object& in);
  Result<json::object> Untag(CallContext& ctx, json::object& in);

 private:
  // The tags of one resource, and how to store changed ones.
  struct Target {
    json::array tags;
    std::function<Status(json::array)> save;
  };
  // The resource an ARN names, or the error ECS answers for an unknown one.
  Result<Target> Find(const std::string& arn, bool for_write);

  EcsState& st_;
};

}  // namespace fargo::services::ecs
