// SessionServer: the data channel's WebSocket endpoint,
// /v1/data-channel/<session id>, taken over from fargo's HTTP listeners
// (plain or TLS) through server::WebSocketHandoff. Per connection: the
// upgrade (SigV4 headers ignored), the first text frame (OpenDataChannel:
// its TokenValue must be the session's token now, else the connection
// closes with 1008 and nothing else is touched), then binary frames of at
// most kMaxFrame bytes to the session and the session's frames back, one
// write at a time. A dropped connection leaves the session waiting for a
// resumed one.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "dataplane/sessions/session_registry.h"
#include "server/http_listener.h"

namespace fargo::dataplane::sessions {

class SessionServer {
 public:
  // `loop`, if given: plain connections are moved onto it (the sessions'
  // own loop, where their strands run); TLS ones stay where they came.
  explicit SessionServer(SessionRegistry& registry, boost::asio::io_context* loop = nullptr)
      : registry_(registry), loop_(loop) {}

  // What HttpListenerOptions::websocket takes.
  std::shared_ptr<server::WebSocketHandoff> Handoff();

  // "/v1/data-channel/<id>?..." -> "<id>"; "" for other targets.
  static std::string SessionIdOf(const std::string& target);

 private:
  SessionRegistry& registry_;
  boost::asio::io_context* loop_;
};

}  // namespace fargo::dataplane::sessions
