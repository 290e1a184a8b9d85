// StatusEndpoint: what a person asks first of a running fargo, served on
// fargo's own port (never on the tasks' API address):
//
//   GET /_fargo/status  ->  200 application/json
//   {
//     "Status": "running",
//     "Version": "0.1.0",
//     "Instance": "5f0c...",                 // InstanceIdOf(data dir)
//     "Endpoint": "http://127.0.0.1:4566",   // where the APIs listen
//     "DataDir": "/home/me/.local/share/fargo",
//     "Pid": 1234, "StartedAt": 1764670000.5, "UptimeSeconds": 42.1,
//     "Memory": {"RssBytes": 52428800, "PeakRssBytes": 60000000},
//     "Engine": {
//       "Socket": "/run/podman/podman.sock",
//       "Reachable": true,                   // answers a ping now
//       "Name": "Podman", "Version": "4.3.1", "ApiVersion": "1.41",
//       "Checked": true,                     // the start-up check is done
//       "Problems": ["..."],                 // EngineCheck's lines, if any
//       "Error": "..."                       // why it is not reachable
//     },
//     "Services": ["ec2", "ecs", ...],       // the AWS services served
//     "Regions": {                           // stored resources per region
//       "us-east-1": {"ecs.clusters": 1, "ecs.services": 1, "ecs.tasks": 3,
//                     "ecs.tasks.running": 2, "elbv2.load_balancers": 1}
//     }                                      // IAM, STS, S3 under "global"
//   }
//
// The engine is pinged on a thread of this endpoint's own (bounded to 2 s),
// the counts are read on the state thread (one SQL GROUP BY over the stored
// documents), the reply is sent from there: nothing blocks the event loop.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/http_types.h"
#include "runtime/engine_check.h"

namespace fargo {
namespace server {
class Gateway;
}
namespace store {
class Store;
}

namespace cli {

class StatusEndpoint {
 public:
  struct Info {
    std::string version, instance, endpoint, data_dir, engine_socket;
    std::vector<std::string> services;
    double started_at = 0;  // epoch seconds
  };

  // REQUIRES: gateway and store outlive this object; store is used on the
  // gateway's state thread only.
  StatusEndpoint(server::Gateway& gateway, store::Store& store, Info info);
  ~StatusEndpoint();  // waits for work under way

  // The start-up engine check's result, when it runs (else "not checked").
  void SetEngineFacts(std::shared_future<runtime::EngineFacts> facts) { facts_ = std::move(facts); }
  // Where the APIs listen, once known.
  void SetEndpoint(std::string endpoint) {
    std::lock_guard<std::mutex> l(mu_);
    info_.endpoint = std::move(endpoint);
  }

  // An HttpServer::AsyncLocalHandler.
  bool Handle(const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply);

  // Pure parts, for tests.
  // "us-east-1" for a key "us-east-1/...", else "global".
  static std::string RegionOfKey(const std::string& key);
  static boost::json::object EngineJson(const std::string& socket, bool reachable,
                                        const runtime::EngineFacts* facts);

 private:
  boost::json::object Counts();  // on the state thread

  server::Gateway& gateway_;
  store::Store& store_;
  std::mutex mu_;
  Info info_;  // endpoint GUARDED_BY(mu_)
  std::shared_future<runtime::EngineFacts> facts_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace cli
}  // namespace fargo
