// TaskEndpoints: the HTTP server every task container reaches at
// http://169.254.170.2 (see README.md):
//
//   GET /v2/credentials/<id>          the task role's credentials
//                                     ($AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
//   GET /v4/<token>[/task|/stats|/task/stats|/taskWithTags]
//                                     task metadata v4 ($ECS_CONTAINER_METADATA_URI_V4)
//   GET /v3/<token>[/task|/stats|/task/stats]
//                                     task metadata v3 ($ECS_CONTAINER_METADATA_URI)
//
// The server only routes: what to answer is asked of the resolver, which is
// asynchronous (fargo serve posts to the state thread and replies from there).
// Everything else gets a JSON error (404 unknown path, 405 not GET, 400
// malformed, 413/431 too large, 504 when the resolver does not answer in
// time). The connections (HTTP/1.1, keep-alive, idle timeout, limits) are
// server::HttpListener's, as the API port's; one io_context thread of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"

namespace fargo::dataplane {

struct TaskEndpointsOptions {
  // Where to listen. The task-facing address is 169.254.170.2:80 (see
  // EnsureLocalAddress); tests and unprivileged runs bind e.g. 127.0.0.1:0.
  std::string address = "169.254.170.2";
  uint16_t port = 80;  // 0 = any free port (see TaskEndpoints::port())
  // Bounds on a request: header bytes and body bytes (GETs carry none).
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 8 * 1024;
  // A connection idle this long between requests is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // A resolver that has not replied within this answers 504.
  std::chrono::milliseconds resolve_timeout{std::chrono::seconds(10)};
  // Stop() lets requests in flight finish for at most this long.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(2)};
};

class TaskEndpoints {
 public:
  enum class Kind { kCredentials, kMetadata };

  // Answers a request: an HTTP status and a JSON body. May be called from any
  // thread, at most once counts (later calls are ignored); calling it after
  // Stop() or after the server is gone is harmless. A reply that is dropped
  // without being called answers 500.
  using Reply = std::function<void(int status, std::string json_body)>;

  // kind = kCredentials: version 2, id = the credentials id, subpath "".
  // kind = kMetadata: version 3 or 4, id = the task's token, subpath one of
  //   "" (the container), "/task", "/stats", "/task/stats", "/taskWithTags" (v4).
  // Called on the server's thread; must not block (post the work elsewhere
  // and call `reply` from there, or call it right away).
  using Resolver =
      std::function<void(Kind kind, int version, std::string id, std::string subpath, Reply reply)>;

  TaskEndpoints(TaskEndpointsOptions options, Resolver resolver);
  ~TaskEndpoints();  // Stop()
  TaskEndpoints(const TaskEndpoints&) = delete;
  TaskEndpoints& operator=(const TaskEndpoints&) = delete;

  // Binds and starts serving on a thread of its own. Fails (and serves
  // nothing) when the address cannot be bound, e.g. 169.254.170.2 is not a
  // local address or port 80 needs privileges.
  Status Start();
  // Stops accepting, closes idle connections, lets requests in flight finish
  // for up to options.stop_grace, closes the rest and joins the thread.
  // Idempotent.
  void Stop();

  // The bound port (useful with options.port = 0); 0 before Start().
  uint16_t port() const { return port_; }
  const TaskEndpointsOptions& options() const { return options_; }

  struct Core;

 private:
  TaskEndpointsOptions options_;
  Resolver resolver_;
  std::shared_ptr<Core> core_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// Makes `ip` (normally "169.254.170.2") a local address by adding `ip`/32 to
// the loopback interface (runtime::Netlink). Already present is success.
// Needs CAP_NET_ADMIN: without it the error says so, and fargo runs without
// task endpoints.
//
// Containers reach the address through their default route and their VPC's
// uplink (runtime/vpc_fabric.h); the host delivers the packets locally
// because the address is its own. See README.md for what the host's firewall
// must allow.
Status EnsureLocalAddress(const std::string& ip);


}  // namespace fargo::dataplane
