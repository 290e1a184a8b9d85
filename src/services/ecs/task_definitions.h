// TaskDefinitions: the task definition operations (Register, Describe,
// List, ListFamilies, Deregister, Delete) over stored revisions, and the
// lookup of the revision a reference names. The RegisterTaskDefinition rules
// themselves are in task_definition_builder.h.
#pragma once

#include "services/ecs/ecs_state.h"

namespace fargo::services::ecs {

class TaskDefinitions {
 public:
  explicit TaskDefinitions(EcsState& state) : st_(state) {}

  Result<json::object> Register(CallContext& ctx, json::object& in);
  Result<json::object> Describe(CallContext& ctx, json::object& in);
  Result<json::object> List(CallContext& ctx, json::object& in);
  Result<json::object> ListFamilies(CallContext& ctx, json::object& in);
  Result<json::object> Deregister(CallContext& ctx, json::object& in);
  Result<json::object> Delete(CallContext& ctx, json::object& in);

  // The task definition `ref` names: family (latest ACTIVE), family:rev or
  // ARN; null when there is none. Stored members include "_tags".
  const json::object* Find(const std::string& region, const std::string& ref) const;

 private:
  EcsState& st_;
};

}  // namespace fargo::services::ecs
