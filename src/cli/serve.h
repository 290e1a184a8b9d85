// The `fargo serve` daemon and the small commands around it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fargo::cli {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data_dir = DefaultDataDir();
  std::string account = "000000000000";
  std::string region = "us-east-1";
  // Where tasks find their metadata and credentials ("" = not served).
  std::string task_endpoints_address = "169.254.170.2";
  uint16_t task_endpoints_port = 80;
  // Where tasks reach the AWS APIs (on the task endpoints' address).
  uint16_t task_api_port = 4566;
  // HTTPS for the AWS names (on the task endpoints' address; tasks reach
  // it at 169.254.170.3:443).
  uint16_t task_https_port = 443;
  // Scales AWS's fixed load balancer waits (health check intervals,
  // deregistration delays) for a faster development loop; 1 (as
  // AWS) unless the person asks (`--scale-waits`), and said at start-up.
  double scale_waits = 1.0;

  static std::string DefaultDataDir();
};

// The name of the fargo instance of a data directory (its tasks' label, its
// CA's name), the same across restarts.
std::string InstanceIdOf(const std::string& data_dir);
// Where a data directory keeps fargo's CA (ca.pem, ca.key) and the tasks'
// CA bundle.
inline std::string CaFolder(const std::string& data_dir) { return data_dir + "/tls"; }
// `fargo ca`: prints the CA certificate (PEM) of `data_dir`, making the CA
// if the directory has none yet.
int PrintCa(const std::string& data_dir);

// Runs until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeOptions& options);

// The botocore names of the services fargo serves (as serve registers them), sorted.
std::vector<std::string> ServedServices();
// The provider block (credentials, skips, an `endpoints {}` entry for every
// served service) pointing Terraform's AWS provider at `endpoint`.
int PrintTerraformOverride(const std::string& endpoint);

}  // namespace fargo::cli
