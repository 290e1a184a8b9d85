// PullsEndpoint: the image pulls of this fargo, on fargo's own port (next
// to /_fargo/status), read from the PullRegistry the task runner feeds:
//
//   GET  /_fargo/pulls        ->  200 {"Pulls": [PullProgress::ToJson, ...]}
//                                 (under way first, then recently finished)
//   GET  /_fargo/pulls/<id>   ->  200 PullProgress::ToJson | 404
//   POST /_fargo/pulls {"Image": "alpine:3.20"}
//                             ->  202 {"Id": "pull-7", ...} the pull started
//                                 through the daemon's engine (`fargo pull`);
//                                 400 for a malformed reference
//
// A POSTed pull runs on a thread of its own (never on the event loop); the
// destructor cancels those under way and joins them.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "protocol/http_types.h"
#include "runtime/engine_client.h"
#include "runtime/pull_registry.h"

namespace fargo::cli {

class PullsEndpoint {
 public:
  // REQUIRES: registry outlives this object.
  PullsEndpoint(runtime::EngineClient engine, runtime::PullRegistry& registry);
  ~PullsEndpoint();

  // An HttpServer::AsyncLocalHandler; false for paths not its own.
  bool Handle(const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply);

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void Reap();  // joins finished workers; REQUIRES: mu_ held

  runtime::EngineClient engine_;
  runtime::PullRegistry& registry_;
  runtime::CancelToken cancel_{false};
  std::mutex mu_;
  std::list<std::unique_ptr<Worker>> workers_;  // GUARDED_BY(mu_)
};

}  // namespace fargo::cli
