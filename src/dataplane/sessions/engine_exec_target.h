// EngineExecTarget: a session target that runs a command in a container
// through the engine's exec, with a TTY (resized as the client's terminal
// is), as the container's configured user, with the container's
// environment plus TERM (and LANG when unset), as the SSM agent does. The
// command line is split like a shell would split words, without a shell.
// Each open stream has one thread of its own for every blocking engine call
// and the exec's connection; nothing of it runs on an event loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dataplane/sessions/session_target.h"
#include "runtime/engine_client.h"

namespace fargo::dataplane::sessions {

class EngineExecTarget final : public SessionTarget {
 public:
  struct Spec {
    std::string container_id;
    std::string command;  // "/bin/sh", "sh -c 'ls /etc'"
    std::string user;
    std::vector<std::string> env;
  };
  EngineExecTarget(runtime::EngineClient engine, Spec spec) : engine_(std::move(engine)), spec_(std::move(spec)) {}
  std::unique_ptr<SessionStream> Open(Events events) override;

 private:
  runtime::EngineClient engine_;
  Spec spec_;
};

// Splits a command line into words: blanks separate, single and double
// quotes group, backslash escapes (outside single quotes).
std::vector<std::string> SplitCommandLine(const std::string& line);

}  // namespace fargo::dataplane::sessions
