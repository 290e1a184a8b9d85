// SessionPeer: the client connection a session talks through (a WebSocket
// of SessionServer); any thread may call it.
#pragma once

#include <string>

namespace fargo::dataplane::sessions {

class SessionPeer {
 public:
  virtual ~SessionPeer() = default;
  virtual void Send(std::string frame) = 0;  // one binary message
  // Closes the connection (after what was sent), with a WebSocket close code.
  virtual void Close(int code, std::string reason) = 0;
};

}  // namespace fargo::dataplane::sessions
