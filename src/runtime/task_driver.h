// The two seams of the task runtime:
//
//  * TaskDriver — what the ECS control plane asks of a runtime. ECS calls it
//    on the state thread; implementations queue the work and return at once
//    (they never block on the engine). What happens is reported back as
//    TaskReports through the callback the runtime was built with.
//  * LogShipper — where the runtime sends the output of containers that use
//    the awslogs driver (the log pipeline of src/dataplane implements it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/log_event.h"
#include "runtime/security_filter.h"
#include "runtime/task_plan.h"

namespace fargo::runtime {

class TaskDriver {
 public:
  virtual ~TaskDriver() = default;

  // Runs a new task. Reports follow (PROVISIONING ... RUNNING ... STOPPED).
  virtual void Launch(const TaskPlan& plan) = 0;

  // Stops a task: its containers get SIGTERM, SIGKILL after their stop
  // timeout; reports follow down to STOPPED. Unknown tasks are reported
  // STOPPED at once.
  virtual void Stop(const std::string& task_arn) = 0;

  // Once, after a restart of fargo: `live` are the tasks the control plane
  // believes are not STOPPED. Each one still in the engine is adopted (and
  // reported); each one gone is reported STOPPED; every other fargo-labelled
  // task in the engine is an orphan and is removed.
  virtual void Adopt(const std::vector<TaskPlan>& live) = 0;

  // The route table of a running task's subnet changed: from now on the
  // task reaches beyond its VPC (`egress`) or no longer does, within
  // moments (HasEgress of task_spec.h decides). Unknown tasks are ignored.
  virtual void SetEgress(const std::string& task_arn, bool egress) {
    (void)task_arn;
    (void)egress;
  }

  // The packet filter of a task's ENI, as its security groups decide it
  // (EC2's effective rules): the whole of it, enforced within moments,
  // replacing the previous one. Unknown tasks are ignored.
  virtual void SetSecurityFilter(const std::string& task_arn, const SecurityFilter& filter) {
    (void)task_arn;
    (void)filter;
  }
};

class LogShipper {
 public:
  virtual ~LogShipper() = default;

  // Starts following a created container's output into `logs`, from the
  // first byte; when adopting, from `resume`, the offsets stored with the
  // container's last batch (zero when none was stored). Called on a runtime
  // thread, before the container starts when not adopting. Must not block
  // for long.
  virtual void Follow(const std::string& container_id, const AwsLogsSpec& logs, bool tty,
                      const std::optional<OutputOffsets>& resume) = 0;

  // Stops following once everything the container wrote is shipped (the
  // container has exited) or at once when it is being removed.
  virtual void Unfollow(const std::string& container_id) = 0;

  // True while the container's output is still being read (after Unfollow:
  // until everything it wrote is shipped, or the follower was cut off).
  virtual bool Following(const std::string& container_id) const = 0;
};

}  // namespace fargo::runtime
