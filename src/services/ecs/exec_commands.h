// ExecCommands: ECS Exec's ExecuteCommand with AWS's rules: the task must
// have been run with enableExecuteCommand and be RUNNING with its exec
// agent running, the container named (optional when the task has one), the
// call interactive, the task have a task role; then a session is
// registered through the ExecCommandStarter fargo serve wires in, and the
// answer carries session {sessionId, streamUrl, tokenValue} as AWS shapes it.
#pragma once

#include <optional>

#include "services/ecs/clusters.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/exec_command_request.h"

namespace fargo::services::ecs {

class ExecCommands {
 public:
  ExecCommands(EcsState& state, const Clusters& clusters) : st_(state), clusters_(clusters) {}

  // null: ExecuteCommand answers TargetNotConnectedException.
  void SetStarter(ExecCommandStarter starter) { starter_ = std::move(starter); }

  Result<json::object> Execute(CallContext& ctx, json::object& in);
  // The container an SSM target "ecs:<cluster>_<task id>_<runtime id>"
  // names, when ECS Exec could reach it now; nullopt otherwise.
  std::optional<ExecTarget> Target(const std::string& region, const std::string& target) const;

 private:
  EcsState& st_;
  const Clusters& clusters_;
  ExecCommandStarter starter_;
};

}  // namespace fargo::services::ecs
