// ExecSessions: how fargo serve connects Session Manager's sessions to the
// session layer (dataplane/sessions): ECS's ExecuteCommand registers a
// session whose target is the engine exec of the task's container; SSM's
// StartSession registers one on a managed instance or a task's container
// (a shell or command through the engine's exec, or port forwarding whose
// connections leave from the target's network namespace, names resolved by
// its VPC's DNS); SSM's ResumeSession and TerminateSession reach them all; the data channel's
// WebSocket is taken over from the API listeners; and each ended session's
// transcript is logged as the cluster's executeCommandConfiguration says
// (CloudWatch Logs: the group, a stream named by the session id; S3: the
// bucket, <s3KeyPrefix>/<session id>.log, put through fargo's own S3 API).
// Sessions per container are bounded by ECS's quota (1,000).
//
// Port sessions multiplex connections (smux, agent version 3.3.0.0) unless
// FARGO_PORT_SESSIONS=basic (agent version 3.0.196.0: one at a time).
//
// The stream URL is ws://<the Host the ExecuteCommand came to>/v1/data-channel/<id>?role=publish_subscribe,
// or FARGO_EXEC_STREAM_URL with {host}, {region} and {id} substituted (e.g.
// wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{id}?role=publish_subscribe
// for plugins that only accept AWS's names; see docs/ecs-exec.md).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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
  ExecSessions(server::Gateway& gateway, runtime::EngineClient& engine, services::EcsService& ecs,
               services::SsmService& ssm, services::LogsService& logs);
  ~ExecSessions();  // stops the sessions' loop; waits for the uploads under way

  // ECS's quota "ECS Exec sessions": per container, not adjustable.
  static constexpr size_t kSessionsPerContainer = 1000;

  std::shared_ptr<server::WebSocketHandoff> Handoff() { return server_.Handoff(); }
  // Ends the sessions of `owner` (an instance's or task's ARN) and under it.
  void EndOwner(const std::string& owner, const std::string& message) { registry_.TerminateOwner(owner, message); }

 private:
  // SSM StartSession's session (on the state thread): registered, its stream URL.
  Result<std::string> StartSsmSession(const services::SsmService::SessionStart& s);
  std::string StreamUrl(const std::string& host, const std::string& region, const std::string& id) const;
  void Log(const services::ecs::ExecCommandRequest& r, const std::string& transcript);
  // PUT s3://bucket/key through the gateway, as the SSM agent's upload
  // (on uploads_: the body is staged on disk).
  void PutObject(const services::ecs::ExecCommandRequest& r, const std::string& key, std::string body);

  server::Gateway& gateway_;
  runtime::EngineClient& engine_;
  services::LogsService& logs_;
  services::SsmService& ssm_;
  // The sessions' own event loop, one thread: their strands and their
  // WebSocket connections (taken over from the API's loop) live on it, so a
  // frame, its acknowledgement and what the session does with it are
  // handed on without waking another thread.
  boost::asio::io_context loop_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> loop_work_{loop_.get_executor()};
  std::thread loop_thread_;
  dataplane::sessions::SessionRegistry registry_;
  dataplane::sessions::SessionServer server_;
  std::string url_template_;
  // FARGO_PORT_SESSIONS=basic: port sessions in the plugin's basic mode (one
  // connection at a time) instead of smux multiplexing.
  bool port_basic_mode_ = false;
  std::mutex mu_;
  std::map<std::string, std::string> urls_;  // session id -> stream URL
  boost::asio::thread_pool uploads_{1};
};

}  // namespace fargo::cli
