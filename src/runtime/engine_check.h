// EngineCheck: what fargo relies on in the container engine, checked once at
// start-up against the real engine, so that a half-configured engine is named
// with its fix instead of failing tasks with a puzzle.
//
// Three probes:
//  * runtime  - a container of fargo's pause image can be created and
//               started (the OCI runtime works; crun fails on kernels in
//               cgroups hybrid mode);
//  * init     - such a container with HostConfig.Init starts: the engine has
//               its init binary (Podman: catatonit; Docker: docker-init),
//               which tasks with linuxParameters.initProcessEnabled need;
//  * network  - fargo can make a VPC network of its own (VpcFabric: network
//               namespaces, veths, the uplink's address translation), which
//               every task needs. The engine's own networks are not used.
// A probe that cannot decide (the engine failed for another reason) leaves
// its fact Unknown: only a definite answer becomes a problem.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/engine_client.h"
#include "runtime/task_plan.h"

namespace fargo::runtime {

enum class Fact { kUnknown, kOk, kProblem };

struct EngineFacts {
  bool reachable = false;
  std::string engine;       // "Podman" or "Docker" (from /version)
  std::string version;      // the engine's own version
  std::string api_version;  // the API version it speaks

  Fact runtime = Fact::kUnknown;
  Fact init = Fact::kUnknown;
  Fact network = Fact::kUnknown;
  // For each kProblem: one line that says what is wrong and names the fix.
  std::string runtime_problem;
  std::string init_problem;
  std::string network_problem;

  // Every problem line, in probe order (empty when all is well).
  std::vector<std::string> Problems() const;
  bool IsPodman() const { return engine == "Podman"; }
};

// Why `plan` cannot run on an engine with `facts`, as the task's stopped
// reason (the stop code is TaskFailedToStart); "" when nothing known stands
// in its way. `container` is set to the container the reason is about, or -1.
std::string TaskBlockedBy(const EngineFacts& facts, const TaskPlan& plan, int* container);

class EngineCheck {
 public:
  // Makes and removes a VPC network (VpcFabric::Probe); tests fake it.
  using NetworkProbe = std::function<Status()>;

  struct Options {
    // Labels the probe's containers and network (fargo.managed=true is added),
    // so that a crash mid-probe leaves nothing `engine.sh clean` misses.
    Labels labels;
    // Distinguishes concurrent probes of several fargo instances (container
    // names are derived from it).
    std::string instance;
  };

  // REQUIRES: engine outlives the check.
  EngineCheck(EngineClient& engine, Options options, NetworkProbe network_probe);

  // Runs the probes; blocks (seconds at most on a healthy engine). Never on
  // an event loop or the state thread.
  EngineFacts Run();

 private:
  EngineClient& engine_;
  Options options_;
  NetworkProbe network_probe_;
};

}  // namespace fargo::runtime
