// `fargo port-forward` and `fargo route`: ask the running daemon to reach
// into a VPC (see vpc_access.h for what it serves).
#pragma once

#include <cstdint>
#include <string>

namespace fargo::cli {

struct PortForwardOptions {
  std::string endpoint = "http://127.0.0.1:4566";  // the daemon
  std::string region;                              // "" = the daemon's
  std::string vpc;
  std::string remote;  // "10.0.1.23:80" (with vpc)
  std::string task;    // task ARN or id (instead of vpc + remote)
  int port = 0;        // with task
  int local = 0;       // 0 = any free port
  std::string address = "127.0.0.1";
  // Session Manager port forwarding (port_forward_command.h) instead:
  std::string target;         // i-... or ecs:<cluster>_<task-id>_<runtime-id>
  std::string host;           // the remote host (the target's localhost if empty)
  std::string document_name;  // default: by host
};

// Through the daemon's /_fargo/port-forward (--vpc/--remote, --task/--port):
// holds the forward open until SIGINT/SIGTERM; returns the exit code.
int RunPortForward(const PortForwardOptions& options);

struct RouteOptions {
  std::string endpoint = "http://127.0.0.1:4566";
  std::string region;
  std::string action;  // add | delete | list
  std::string vpc;
};

int RunRoute(const RouteOptions& options);

}  // namespace fargo::cli
