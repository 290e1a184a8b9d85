// SessionTarget: what a session opens — a shell or stream somewhere (a
// command in a task's container; a port in a task's network), and what the
// client must be told first (a port session's handshake). The session layer
// knows nothing else of it: a session is an id, a token and a target.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dataplane/sessions/data_channel.h"
#include "dataplane/sessions/session_message.h"

namespace fargo::dataplane::sessions {

// A running shell or stream: input in, size changes, flags, an end. Every
// call returns at once (blocking work is the target's own threads'), from
// any thread.
class SessionStream {
 public:
  virtual ~SessionStream() = default;
  virtual void Write(std::string bytes) = 0;
  virtual void Resize(int rows, int cols) = 0;
  // A Flag of the client other than TerminateSession (which ends the
  // session), e.g. kFlagDisconnectToPort.
  virtual void Flag(uint32_t flag) { (void)flag; }
  // True while it holds so much input not yet delivered that it wants no
  // more: the session then holds the client's input, unacknowledged, until
  // the stream's `ready` event (or the client's resend).
  virtual bool Backlogged() { return false; }
  // Ends it (the command is killed, the connections closed); `exited`
  // follows.
  virtual void Close() = 0;
};

class SessionTarget {
 public:
  struct Events {
    // Output to the client. It blocks the calling (target's) thread while
    // the session has too much output the client has not acknowledged yet,
    // until acknowledges make room or the session ends (output then is
    // dropped). Never call it from an event loop.
    std::function<void(std::string bytes)> output;
    // Once, last: the command's exit code (-1 if unknown) and what went
    // wrong ("" for a normal end). The session drops output after it.
    std::function<void(int exit_code, std::string error)> exited;
    // A Flag message to the client (PayloadType Flag), in order with the
    // output, e.g. kFlagConnectToPortError. Returns at once.
    std::function<void(uint32_t flag)> flag = {};
    // The stream said Backlogged and has since delivered enough to take
    // input again. Returns at once.
    std::function<void()> ready = {};
  };
  virtual ~SessionTarget() = default;
  // The handshake the client must complete before the stream is opened;
  // none (shells): the stream opens at the first connection.
  virtual std::optional<Handshake> handshake() const { return std::nullopt; }
  // The largest payload of one output message (a shell's 1024 bytes, as the
  // SSM agent reads its PTY; a port's larger).
  virtual size_t output_chunk() const { return kMaxOutputChunk; }
  // Starts it; events arrive on any thread, never inside Open.
  virtual std::unique_ptr<SessionStream> Open(Events events) = 0;
};

}  // namespace fargo::dataplane::sessions
