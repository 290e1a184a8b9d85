// SessionTarget: what a session opens — a shell or stream somewhere (a
// command in a task's container today; an EC2-like host or a port later).
// The session layer knows nothing else of it: a session is an id, a token
// and a target.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace fargo::dataplane::sessions {

// A running shell: input in, size changes, an end. Every call returns at
// once (blocking work is the target's own thread's), from any thread.
class SessionStream {
 public:
  virtual ~SessionStream() = default;
  virtual void Write(std::string bytes) = 0;
  virtual void Resize(int rows, int cols) = 0;
  // Ends it (the command is killed); `exited` follows.
  virtual void Close() = 0;
};

class SessionTarget {
 public:
  struct Events {
    std::function<void(std::string bytes)> output;
    // Once, last: the command's exit code (-1 if unknown) and what went
    // wrong ("" for a normal end).
    std::function<void(int exit_code, std::string error)> exited;
  };
  virtual ~SessionTarget() = default;
  // Starts it; events arrive on any thread, never inside Open.
  virtual std::unique_ptr<SessionStream> Open(Events events) = 0;
};

}  // namespace fargo::dataplane::sessions
