#include "cli/port_forward_command.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/daemon_client.h"
#include "cli/exec_command.h"

namespace fargo::cli {
namespace json = boost::json;

std::string PortForwardingDocument(const PortForwardOptions& opt) {
  if (!opt.document_name.empty()) return opt.document_name;
  return opt.host.empty() ? "AWS-StartPortForwardingSession" : "AWS-StartPortForwardingSessionToRemoteHost";
}

int RunSsmPortForward(const PortForwardOptions& opt) {
  if (opt.port <= 0 || opt.port > 65535) {
    std::fprintf(stderr, "fargo port-forward: --port (the target's port, 1-65535) is required\n");
    return 2;
  }
  if (opt.local < 0 || opt.local > 65535) {
    std::fprintf(stderr, "fargo port-forward: --local-port must be 0-65535\n");
    return 2;
  }
  json::object parameters{{"portNumber", json::array{std::to_string(opt.port)}},
                          {"localPortNumber", json::array{std::to_string(opt.local)}}};
  if (!opt.host.empty()) parameters["host"] = json::array{opt.host};
  json::object request{{"Target", opt.target}, {"DocumentName", PortForwardingDocument(opt)}, {"Parameters", parameters}};
  const char* env_region = std::getenv("AWS_REGION");
  if (!env_region) env_region = std::getenv("AWS_DEFAULT_REGION");
  std::string region = !opt.region.empty() ? opt.region : env_region ? env_region : "us-east-1";
  DaemonClient daemon(opt.endpoint, region);
  Result<json::object> started = daemon.Json("ssm", "AmazonSSM.StartSession", request);
  if (!started.ok()) {
    const AwsError& e = started.error();
    if (e.code == "Unreachable") {
      std::fprintf(stderr, "fargo port-forward: cannot reach fargo at %s: %s\n", opt.endpoint.c_str(),
                   e.message.c_str());
      return 255;
    }
    std::fprintf(stderr, "An error occurred (%s) when calling the StartSession operation: %s\n", e.code.c_str(),
                 e.message.c_str());
    return 254;
  }
  auto str = [&](const char* key) {
    const json::value* v = started->if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  SessionStreamOptions stream;
  stream.session_id = str("SessionId");
  stream.token = str("TokenValue");
  stream.url = str("StreamUrl");
  stream.shell_first = false;
  stream.plugin_messages = true;
  stream.local_port = opt.local;
  stream.local_address = opt.address;
  std::printf("\nStarting session with SessionId: %s\n\n", stream.session_id.c_str());
  std::fflush(stdout);
  return RunSessionStream(stream);
}

}  // namespace fargo::cli
