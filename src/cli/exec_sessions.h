// ExecSessions: how fargo serve connects ECS Exec to the session layer
// (dataplane/sessions): ECS's ExecuteCommand registers a session whose
// target is the engine exec of the task's container; SSM's ResumeSession
// and TerminateSession reach the same sessions; the data channel's
// WebSocket is taken over from the API listeners; and each ended session's
// transcript is logged as the cluster's executeCommandConfiguration says
// (CloudWatch Logs: the group, a stream named by the session id; S3: the
// bucket, <s3KeyPrefix>/<session id>.log, put through fargo's own S3 API).
// Sessions per container are bounded by ECS's quota (1,000).
//
// The stream URL is ws://<the Host the ExecuteCommand came to>/v1/data-channel/<id>?role=publish_subscribe,
// or FARGO_EXEC_STREAM_URL with {host}, {region} and {id} substituted (e.g.
// wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{id}?role=publish_subscribe
// for plugins that only accept AWS's names; see docs/ecs-exec.md).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dataplane/sessions/session_registry.h"
#include "dataplane/sessions/session_server.h"
#include "runtime/engine_client.h"
#include "server/gateway.h"
#include "services/ecs/ecs_service.h"
#include "services/logs/logs_service.h"
#include "services/ssm/ssm_service.h"

namespace fargo::cli {

class ExecSessions {
 public:
  // REQUIRES: everything outlives this; call on the state thread's side
  // before the services serve (the hooks are set here).
  ExecSessions(boost::asio::io_context& io, server::Gateway& gateway, runtime::EngineClient& engine,
               services::EcsService& ecs, services::SsmService& ssm, services::LogsService& logs);
  ~ExecSessions();  // waits for the uploads under way

  // ECS's quota "ECS Exec sessions": per container, not adjustable.
  static constexpr size_t kSessionsPerContainer = 1000;

  std::shared_ptr<server::WebSocketHandoff> Handoff() { return server_.Handoff(); }

 private:
  std::string StreamUrl(const std::string& host, const std::string& region, const std::string& id) const;
  void Log(const services::ecs::ExecCommandRequest& r, const std::string& transcript);
  // PUT s3://bucket/key through the gateway, as the SSM agent's upload
  // (on uploads_: the body is staged on disk).
  void PutObject(const services::ecs::ExecCommandRequest& r, const std::string& key, std::string body);

  server::Gateway& gateway_;
  runtime::EngineClient& engine_;
  services::LogsService& logs_;
  dataplane::sessions::SessionRegistry registry_;
  dataplane::sessions::SessionServer server_;
  std::string url_template_;
  std::mutex mu_;
  std::map<std::string, std::string> urls_;  // session id -> stream URL
  boost::asio::thread_pool uploads_{1};
};

}  // namespace fargo::cli
