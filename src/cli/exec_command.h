// fargo exec: a shell (or a command) in a task's container, through the
// same ECS Exec sessions as `aws ecs execute-command` (so it is logged the
// same way), with fargo's own client of the data channel instead of the
// session-manager-plugin; its exit status is the command's.
#pragma once

#include <string>
#include <vector>

namespace fargo::cli {

struct ExecOptions {
  std::string task;       // id or ARN
  std::string cluster;    // default: the ARN's, else "default"
  std::string container;  // needed for tasks of several containers
  std::vector<std::string> command;  // default /bin/sh
  std::string endpoint = "http://127.0.0.1:4566";
  std::string region = "us-east-1";
};

int RunExec(const ExecOptions& options);

// The same client with the session-manager-plugin's command line (what the
// aws CLI runs: <session JSON> <region> StartSession <profile> <target JSON>
// <endpoint>), for `fargo` installed under that name where the real plugin
// is not available. Like the plugin, exits 0 whatever the command's status.
int RunPluginCompatible(int argc, char** argv);

}  // namespace fargo::cli
