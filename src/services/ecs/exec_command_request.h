// ExecCommandRequest: what ECS hands the session layer for one accepted
// ExecuteCommand (plain data; ECS links nothing of the data plane, and the
// session layer nothing of ECS: fargo serve translates). The session's id
// and token are ECS's (its id generator), so answers are reproducible.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::services::ecs {

struct ExecCommandRequest {
  std::string region, account;
  std::string cluster_arn, task_arn, container_name, container_arn;
  std::string runtime_id;  // the engine's container id
  std::string command;     // as given (split without a shell, as the SSM agent does)
  std::string user;        // the container's configured user ("" = the image's)
  std::vector<std::string> env;
  // Session logging (the cluster's executeCommandConfiguration):
  // "NONE", "DEFAULT" (the container's awslogs group) or "OVERRIDE".
  std::string logging = "DEFAULT";
  std::string log_group, log_region;  // CloudWatch Logs ("" = none)
  std::string s3_bucket, s3_prefix;   // S3 ("" = none)
  std::string host;                   // the Host the call came to (the stream URL's default)
  std::string session_id, token;
};

// What the session layer answers: where the client connects.
struct ExecCommandSession {
  std::string stream_url;
};

// A task's container as a Session Manager target
// ("ecs:<cluster>_<task id>_<runtime id>", what port forwarding into a task
// names): a running task with ECS Exec's agent running in that container.
struct ExecTarget {
  std::string task_arn, container_name;
  std::string runtime_id;  // the engine's container id
  std::string user;
  std::vector<std::string> env;
};

// Registers the session; an AwsError (e.g. too many sessions) is ECS's answer.
using ExecCommandStarter = std::function<Result<ExecCommandSession>(const ExecCommandRequest&)>;

}  // namespace fargo::services::ecs
