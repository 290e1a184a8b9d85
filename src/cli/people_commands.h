// The commands for people: what runs in fargo, read through the same AWS
// APIs any client uses (and GET /_fargo/status, /_fargo/pulls), shown as tables on a
// terminal (colours only there, never with NO_COLOR) or as JSON (--json).
//
//   fargo status                    the daemon, its engine, counts per region
//   fargo ps [--cluster C] [--all]  tasks (running ones unless --all), a
//                                   pending task's image pull in its status
//   fargo services [--cluster C]    services and their deployments' rollout
//   fargo lbs                       load balancers, listeners, target health
//   fargo logs <task|service> [--container C] [-f] [--since 5m]
//                                   awslogs output of the task(s), by time
#pragma once

#include <string>

namespace fargo::cli {

struct PeopleOptions {
  std::string endpoint = "http://127.0.0.1:4566";
  std::string region = DefaultRegion();
  bool json = false;
  std::string cluster;  // "" = every cluster (ps, services, logs)

  // AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
  static std::string DefaultRegion();
};

struct PsOptions : PeopleOptions {
  bool all = false;
};

struct LogsOptions : PeopleOptions {
  std::string target;     // a task id or ARN, or a service name
  std::string container;  // "" = every container with awslogs
  bool follow = false;
  std::string since;  // "5m"; "" = from the start
};

int RunStatus(const PeopleOptions& options);
int RunPs(const PsOptions& options);
int RunServices(const PeopleOptions& options);
int RunLbs(const PeopleOptions& options);
int RunLogs(const LogsOptions& options);
// For shell completion: the names of `kind` ("clusters", "services" or
// "tasks": running tasks' ids), one a line, of options.cluster or every
// cluster. Prints nothing when fargo does not answer; always exits 0.
int RunNames(const std::string& kind, const PeopleOptions& options);

}  // namespace fargo::cli
