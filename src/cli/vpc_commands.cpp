#include "cli/vpc_commands.h"

#include "cli/daemon_client.h"

#include <signal.h>

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

namespace fargo::cli {

namespace json = boost::json;

namespace {

using Answer = DaemonClient::Answer;

Answer Call(const std::string& endpoint, const char* method, const std::string& path, const json::object* body) {
  return DaemonClient(endpoint).Call(method, path, body);
}

std::string Str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

}  // namespace

int RunPortForward(const PortForwardOptions& opt) {
  json::object req;
  if (!opt.region.empty()) req["Region"] = opt.region;
  if (!opt.task.empty()) {
    if (opt.port <= 0) {
      std::fprintf(stderr, "fargo port-forward: --task needs --port (the task's port)\n");
      return 2;
    }
    req["Task"] = opt.task;
    req["Port"] = opt.port;
  } else {
    auto colon = opt.remote.rfind(':');
    if (opt.vpc.empty() || colon == std::string::npos) {
      std::fprintf(stderr, "fargo port-forward: give --task and --port, or --vpc and --remote ADDRESS:PORT\n");
      return 2;
    }
    req["VpcId"] = opt.vpc;
    req["Address"] = opt.remote.substr(0, colon);
    req["Port"] = std::atoi(opt.remote.c_str() + colon + 1);
  }
  req["LocalPort"] = opt.local;
  req["LocalHost"] = opt.address;
  // Signals are taken synchronously: the lease is renewed between them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  Answer a = Call(opt.endpoint, "POST", "/_fargo/port-forward", &req);
  if (a.status != 200) {
    std::fprintf(stderr, "fargo port-forward: %s\n", a.error.c_str());
    return 1;
  }
  std::string id = Str(a.body, "Id");
  std::string where = Str(a.body, "VpcId") + " (" + Str(a.body, "Region") + ")";
  if (!Str(a.body, "TaskArn").empty()) where = "task " + Str(a.body, "TaskArn") + " in " + where;
  std::printf("Forwarding from %s -> %s:%s in %s\n", Str(a.body, "Listen").c_str(), Str(a.body, "Address").c_str(),
              Str(a.body, "Port").c_str(), where.c_str());
  std::printf("Open http://%s/ (or connect to %s). Ctrl-C stops.\n", Str(a.body, "Listen").c_str(),
              Str(a.body, "Listen").c_str());
  std::fflush(stdout);
  const std::string path = "/_fargo/port-forward/" + id;
  for (;;) {
    timespec wait{10, 0};
    int sig = sigtimedwait(&sigs, nullptr, &wait);
    if (sig > 0) break;
    Answer r = Call(opt.endpoint, "POST", path + "/renew", nullptr);
    if (r.status != 200) {
      std::fprintf(stderr, "fargo port-forward: the forward ended: %s\n", r.error.c_str());
      return 1;
    }
  }
  (void)Call(opt.endpoint, "DELETE", path, nullptr);
  std::printf("Stopped forwarding %s\n", Str(a.body, "Listen").c_str());
  return 0;
}

int RunRoute(const RouteOptions& opt) {
  if (opt.action == "list") {
    Answer a = Call(opt.endpoint, "GET", "/_fargo/routes", nullptr);
    if (a.status != 200) {
      std::fprintf(stderr, "fargo route: %s\n", a.error.c_str());
      return 1;
    }
    if (auto* routes = a.body.if_contains("Routes"); routes && routes->is_array())
      for (const auto& r : routes->as_array()) {
        const auto& o = r.as_object();
        std::printf("%s %s dev %s\n", Str(o, "VpcId").c_str(), Str(o, "Cidrs").c_str(), Str(o, "Via").c_str());
      }
    return 0;
  }
  if (opt.vpc.empty()) {
    std::fprintf(stderr, "fargo route %s: a VPC id is required\n", opt.action.c_str());
    return 2;
  }
  Answer a;
  if (opt.action == "add") {
    json::object req{{"VpcId", opt.vpc}};
    if (!opt.region.empty()) req["Region"] = opt.region;
    a = Call(opt.endpoint, "POST", "/_fargo/routes", &req);
  } else {
    a = Call(opt.endpoint, "DELETE", "/_fargo/routes/" + opt.vpc, nullptr);
  }
  if (a.status != 200) {
    std::fprintf(stderr, "fargo route %s: %s\n", opt.action.c_str(), a.error.c_str());
    return 1;
  }
  if (opt.action == "add")
    std::printf("The host routes %s (%s) via %s: its addresses answer from this host until `fargo route delete %s` "
                "or the VPC is deleted\n",
                Str(a.body, "Cidrs").c_str(), opt.vpc.c_str(), Str(a.body, "Via").c_str(), opt.vpc.c_str());
  else
    std::printf("The host no longer routes %s\n", opt.vpc.c_str());
  return 0;
}

}  // namespace fargo::cli
