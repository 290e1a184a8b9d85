// PortDialer: where a port session's connections leave from (a task's
// network namespace; a loopback in tests).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "runtime/netns.h"

namespace fargo::dataplane::sessions {

class PortDialer {
 public:
  virtual ~PortDialer() = default;
  // Connects to host:port from the target's network position; blocks (called on a target thread, never an
  // event loop). An error (AwsError code e.g. "ConnectionRefused", message saying why) when it cannot.
  virtual Result<runtime::UniqueFd> Dial(const std::string& host, uint16_t port) = 0;
};

}  // namespace fargo::dataplane::sessions
