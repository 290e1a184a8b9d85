// An instance's states as EC2 names and numbers them, and which calls each
// state allows (the state machine of ec2_instances.cpp).
//
//   pending(0) -> running(16) -> stopping(64) -> stopped(80) -> pending ...
//   any but terminated -> shutting-down(32) -> terminated(48)
#pragma once

#include <string>

namespace fargo::services::ec2 {

// The state's code (low byte of EC2's State.Code); -1 for unknown names.
inline int InstanceStateCode(const std::string& name) {
  if (name == "pending") return 0;
  if (name == "running") return 16;
  if (name == "shutting-down") return 32;
  if (name == "terminated") return 48;
  if (name == "stopping") return 64;
  if (name == "stopped") return 80;
  return -1;
}

// StartInstances is accepted while pending, running or stopped (the first
// two leave the instance as it is); StopInstances while pending, running,
// stopping or stopped. Anything else is IncorrectInstanceState.
inline bool CanStart(const std::string& state) {
  return state == "pending" || state == "running" || state == "stopped";
}
inline bool CanStop(const std::string& state) {
  return state == "pending" || state == "running" || state == "stopping" || state == "stopped";
}

}  // namespace fargo::services::ec2
