// TaskRunner: runs ECS tasks on a container engine, the way the ECS agent
// does on a Fargate host.
//
// Each live task has one supervisor thread that owns it end to end:
//   PROVISIONING  sandbox (network namespace + address, volumes)
//   PENDING       images pulled when missing, containers created, started
//                 as their dependsOn conditions allow
//   RUNNING       every container that is meant to start has started;
//                 health checks run; an essential container's exit ends it
//   DEPROVISIONING containers stopped (dependents first) with their stop
//                 timeouts, logs drained
//   STOPPED       everything the task owned removed from the engine
// Every change is reported through the ReportFn as a full TaskReport snapshot.
//
// Threading: Launch/Stop/Adopt may be called from any thread and return at
// once. ReportFn is called on supervisor threads (never with a lock held); it
// must not block for long (fargo posts the report to its state thread).
//
// Shutdown() ends supervision but leaves the tasks running, so a restarted
// fargo adopts them (Adopt).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "runtime/engine_check.h"
#include "runtime/engine_client.h"
#include "runtime/pull_registry.h"
#include "runtime/task_driver.h"
#include "runtime/task_plan.h"
#include "runtime/vpc_fabric.h"

namespace fargo::runtime {

class TaskRunner final : public TaskDriver {
 public:
  using ReportFn = std::function<void(const TaskReport&)>;
  // Where progress worth a person's attention goes (image pulls, failures).
  using LogFn = std::function<void(const std::string& line)>;

  struct Options {
    std::chrono::milliseconds poll_starting{25};   // while containers start
    // Once the task runs, exits are noticed through the engine's events
    // (Start); this slower poll is the fallback when the stream is down.
    std::chrono::milliseconds poll_running{2000};
    // Labels every task of this fargo (kLabelInstance) so that two fargos
    // on one engine never take each other's tasks for orphans. Empty: none.
    std::string instance;
    // Called on a task's supervisor thread once its VPC's namespace exists
    // (a new task, before its containers are made, and an adopted one):
    // readies fargo's services in the VPC (its resolver) and returns the
    // host path of the resolv.conf the task's containers mount ("" = the
    // engine's). An error fails the task's start. Unset: nothing.
    std::function<Result<std::string>(const SandboxSpec& sandbox)> prepare_vpc;
    // The host file of CA certificates every container trusts
    // (TaskSandbox::SetCaBundle); "" = none.
    std::string ca_bundle;
    // Whether each new task's security filter comes (SetSecurityFilter,
    // once its ENI is known to EC2): its containers wait for it, up to
    // `await_security_filter`. Zero: they do not.
    std::chrono::milliseconds await_security_filter{0};
    // Where the tasks' image pulls show their progress (owner: the task's
    // ARN), for people to watch. Must outlive the runner. Null: nowhere.
    PullRegistry* pulls = nullptr;
  };

  // REQUIRES: engine, clock and logs (when not null) outlive the runner.
  TaskRunner(EngineClient& engine, const Clock& clock, LogShipper* logs, ReportFn report, LogFn log,
             Options options);
  TaskRunner(EngineClient& engine, const Clock& clock, LogShipper* logs, ReportFn report, LogFn log)
      : TaskRunner(engine, clock, logs, std::move(report), std::move(log), Options{}) {}
  ~TaskRunner() override;

  // Watches the engine's events, so a container's exit is noticed at once.
  // Without it the runner still works, polling (Options::poll_running).
  void Start();

  // Ends supervision (tasks keep running in the engine) and joins every
  // supervisor thread. Idempotent.
  void Shutdown();

  // What the start-up engine check found (EngineCheck, run off this
  // thread). Tasks launched afterwards wait up to a few seconds for it, and
  // a task the engine cannot run stops with the problem and its fix as
  // reason instead of failing in a puzzling way.
  void SetEngineFacts(std::shared_future<EngineFacts> facts);

  void Launch(const TaskPlan& plan) override;
  void Stop(const std::string& task_arn) override;
  void Adopt(const std::vector<TaskPlan>& live) override;
  // Applied by the task's supervisor thread (the fabric's work never runs
  // on the caller's thread).
  void SetEgress(const std::string& task_arn, bool egress) override;
  // Applied by the task's supervisor thread (namespace_filter.h), before its
  // containers start when it comes in time.
  void SetSecurityFilter(const std::string& task_arn, const SecurityFilter& filter) override;

  // The VPC networks of this runner's tasks.
  VpcFabric& fabric() { return *fabric_; }
  // Routes the VPC's blocks from the host (VpcFabric::RouteVpc), in turn
  // with the tasks' sandboxes. Blocking.
  Status RouteVpc(const std::string& vpc_id, const std::vector<std::string>& cidrs);
  // Removes the host's routes to the VPC, and its namespace unless a task
  // still uses it (also when the VPC is deleted). Blocking.
  Status UnrouteVpc(const std::string& vpc_id);
  // Removes the VPC's namespace when nothing uses it any more (no task, no
  // host route, no load balancer address): a VPC's last load balancer went.
  Status RemoveVpcIfUnused(const std::string& vpc_id);

  // Number of tasks under supervision (tests, health).
  size_t LiveTasks() const;

 private:
  class Supervisor;

  // Starts a supervisor thread for `plan`. REQUIRES: mu_ not held.
  void Spawn(const TaskPlan& plan, bool adopt);
  // Joins supervisors that have finished. REQUIRES: mu_ not held.
  void Reap();
  // The events thread: wakes the supervisor of a container that died.
  void WatchEvents();

  EngineClient& engine_;
  std::unique_ptr<VpcFabric> fabric_;
  const Clock& clock_;
  LogShipper* logs_;
  ReportFn report_;
  LogFn log_;
  Options options_;

  // "" or why `plan` cannot run (engine_check.h's TaskBlockedBy).
  std::string EngineBlocks(const TaskPlan& plan, int* container);

  mutable std::mutex mu_;
  std::shared_future<EngineFacts> engine_facts_;                // GUARDED_BY(mu_)
  bool shutting_down_ = false;                                  // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<Supervisor>> tasks_;    // GUARDED_BY(mu_)
  std::vector<std::thread> finished_;                           // GUARDED_BY(mu_)
  std::vector<std::thread> background_;  // GUARDED_BY(mu_): orphan removal, stray stops
  // Sandboxes are created one at a time: two tasks of a VPC would otherwise
  // race for its network and pick addresses from the same snapshot.
  std::mutex sandbox_mu_;
  std::mutex pull_mu_;
  CancelToken events_cancel_{false};
  std::thread events_;  // one image pull at a time, as the engine would queue them anyway
};

}  // namespace fargo::runtime
