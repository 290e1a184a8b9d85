#include "runtime/task_runner.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "runtime/image_ref.h"
#include "runtime/json_util.h"
#include "runtime/namespace_filter.h"
#include "runtime/netns.h"
#include "runtime/task_sandbox.h"

namespace fargo::runtime {
namespace json = boost::json;

namespace {


// The digest an image is known by: its registry digest when it came from a
// registry, else its local id.
std::string DigestOf(const json::object& image) {
  if (auto* v = image.if_contains("RepoDigests"); v && v->is_array()) {
    for (const auto& d : v->as_array()) {
      if (!d.is_string()) continue;
      std::string s(d.as_string());
      auto at = s.find('@');
      if (at != std::string::npos) return s.substr(at + 1);
    }
  }
  return GetString(image, "Id");
}

}  // namespace

// One task, from sandbox to teardown. All members but the flags are touched
// by the supervisor thread only.
class TaskRunner::Supervisor {
 public:
  Supervisor(TaskRunner& runner, TaskPlan plan) : r_(runner), plan_(std::move(plan)) {
    report_.task_arn = plan_.task_arn;
    for (const auto& c : plan_.containers) {
      ContainerReport cr;
      cr.name = c.spec.name;
      if (c.health_check) cr.health_status = "UNKNOWN";
      report_.containers.push_back(cr);
      state_.push_back({});
    }
  }

  void RequestStop() {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  void RequestDetach() {
    std::lock_guard<std::mutex> l(mu_);
    detach_ = true;
    cv_.notify_all();
  }
  // A container of this task may have changed state: look now.
  void Wake() {
    std::lock_guard<std::mutex> l(mu_);
    wake_ = true;
    cv_.notify_all();
  }
  // The task's egress from now on (TaskDriver::SetEgress). Any thread.
  void RequestEgress(bool egress) {
    std::lock_guard<std::mutex> l(mu_);
    desired_egress_ = egress;
    wake_ = true;
    cv_.notify_all();
  }
  // The task's security filter from now on (SetSecurityFilter). Any thread.
  void RequestFilter(const SecurityFilter& filter) {
    std::lock_guard<std::mutex> l(mu_);
    desired_filter_ = filter;
    wake_ = true;
    cv_.notify_all();
  }
  // Whether the engine container `id` belongs to this task. Any thread.
  bool Owns(const std::string& id) {
    std::lock_guard<std::mutex> l(mu_);
    return ids_.count(id) > 0;
  }
  bool done() const { return done_.load(); }

  void Run(bool adopt) {
    bool proceed = adopt ? AdoptExisting() : Provision();
    if (proceed) Supervise();
    if (!Detached()) Deprovision();
    done_ = true;
  }

 private:
  struct State {
    bool created = false;
    bool started = false;
    bool exited = false;
    bool gave_up = false;  // will never start (dependency failed, start error)
    bool following = false;
    int64_t wait_since_ms = 0;
    // health
    int failures = 0;
    int64_t next_check_ms = 0;
  };

  int64_t Now() const { return r_.clock_.NowMillis(); }
  bool Detached() {
    std::lock_guard<std::mutex> l(mu_);
    return detach_;
  }
  bool StopRequested() {
    std::lock_guard<std::mutex> l(mu_);
    return stop_ || detach_;
  }
  // Sleeps up to `d`; true when asked to stop or detach meanwhile.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, d, [this] { return stop_ || detach_ || wake_; });
    wake_ = false;
    return stop_ || detach_;
  }
  void Track(const std::string& id) {
    std::lock_guard<std::mutex> l(mu_);
    ids_.insert(id);
  }
  // How long to sleep while running: the poll, or less when a health check
  // is due sooner.
  std::chrono::milliseconds RunningSleep() {
    int64_t wait = r_.options_.poll_running.count();
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      if (!plan_.containers[i].health_check || !state_[i].started || state_[i].exited) continue;
      wait = std::min(wait, std::max<int64_t>(10, state_[i].next_check_ms - Now()));
    }
    return std::chrono::milliseconds(wait);
  }
  void Publish() {
    if (Detached()) return;
    r_.report_(report_);
  }
  void Log(const std::string& line) {
    if (r_.log_) r_.log_("task " + TaskIdOf(plan_.task_arn) + ": " + line);
  }
  // The runtime ends the task on its own account.
  void Fail(const std::string& code, const std::string& reason) {
    if (report_.stop_code.empty()) {
      report_.stop_code = code;
      report_.stopped_reason = reason;
    }
    Log("stopping: " + reason);
  }

  // Brings the ENI's egress to what was last asked (the plan's, or a later
  // SetEgress); a failure is retried on the next round.
  void ApplyEgress() {
    if (!sandbox_) return;
    bool want;
    {
      std::lock_guard<std::mutex> l(mu_);
      want = desired_egress_;
    }
    if (applied_egress_ && *applied_egress_ == want) return;
    Status st = r_.fabric_->SetEgress(sandbox_->vpc_id(), sandbox_->ip(), want);
    if (!st.ok()) {
      if (!egress_failed_) Log("egress: " + st.error().message);
      egress_failed_ = true;
      return;
    }
    if (applied_egress_ || egress_failed_) Log(want ? "egress to the host's network on" : "egress to the host's network off");
    applied_egress_ = want;
    egress_failed_ = false;
  }

  // Brings the task namespace's filter to the last one asked for; a failure
  // is retried on the next round. An open filter in a namespace that never
  // had one is nothing to do (no process).
  void ApplyFilter() {
    if (!sandbox_) return;
    std::optional<SecurityFilter> want;
    {
      std::lock_guard<std::mutex> l(mu_);
      want = desired_filter_;
    }
    if (!want || (applied_filter_ && *applied_filter_ == *want)) return;
    if (!applied_filter_ && fresh_namespace_ && want->Open()) {
      applied_filter_ = want;
      return;
    }
    Status st = [&]() -> Status {
      int pid = sandbox_->pause_pid();
      if (pid <= 0) {
        FARGO_ASSIGN_OR_RETURN(pid, r_.engine_.ContainerPid(sandbox_->pause_id()));
      }
      if (pid <= 0) return AwsError::Make("InternalError", "the sandbox container has no process", 500);
      FARGO_ASSIGN_OR_RETURN(UniqueFd ns, OpenProcessNetns(pid));
      FilterPlace place{plan_.sandbox.vpc.cidr, plan_.sandbox.subnet_cidr};
      return ApplyNamespaceFilter(ns.get(), RenderNamespaceFilter(*want, place));
    }();
    if (!st.ok()) {
      if (!filter_failed_) Log("security groups: " + st.error().message);
      filter_failed_ = true;
      return;
    }
    if (filter_failed_) Log("security groups applied");
    applied_filter_ = want;
    filter_failed_ = false;
  }

  // A new task's first filter, before its containers start: waits for it
  // (Options::await_security_filter), then applies it.
  void AwaitFilter() {
    auto wait = r_.options_.await_security_filter;
    if (wait.count() > 0) {
      std::unique_lock<std::mutex> l(mu_);
      if (!cv_.wait_for(l, wait, [this] { return desired_filter_.has_value() || stop_ || detach_; }))
        Log("security groups: no filter within " + std::to_string(wait.count()) + " ms; starting unfiltered");
    }
    ApplyFilter();
  }

  void SetNetwork() {
    report_.ip = sandbox_->ip();
    report_.mac = sandbox_->mac();
    report_.eni_id = sandbox_->eni_id();
    report_.subnet_id = sandbox_->subnet_id();
    report_.hostname = plan_.sandbox.hostname.empty() ? DefaultHostname(sandbox_->ip())
                                                      : plan_.sandbox.hostname;
  }

  // PROVISIONING and the first half of PENDING: sandbox, images, containers.
  // False when the task cannot run (the failure is recorded).
  bool Provision() {
    report_.last_status = "PROVISIONING";
    int blocked_container = -1;
    if (std::string why = r_.EngineBlocks(plan_, &blocked_container); !why.empty()) {
      if (blocked_container >= 0) {
        report_.containers[blocked_container].reason = why;
        report_.containers[blocked_container].last_status = "STOPPED";
      }
      Fail("TaskFailedToStart", why);
      return false;
    }
    Result<TaskSandbox> sb = [&] {
      std::lock_guard<std::mutex> l(r_.sandbox_mu_);
      return TaskSandbox::Create(r_.engine_, *r_.fabric_, plan_.sandbox);
    }();
    if (!sb.ok()) {
      Fail("TaskFailedToStart", "ResourceInitializationError: unable to create the task's network: " +
                                    sb.error().message);
      return false;
    }
    sandbox_ = std::move(*sb);
    fresh_namespace_ = true;
    applied_egress_ = HasEgress(plan_.sandbox.subnet_egress, plan_.sandbox.public_ip);  // Create applied it
    SetNetwork();
    if (r_.options_.prepare_vpc) {
      auto resolv = r_.options_.prepare_vpc(plan_.sandbox);
      if (!resolv.ok()) {
        Fail("TaskFailedToStart", "ResourceInitializationError: unable to set up the VPC's DNS: " +
                                      resolv.error().message);
        return false;
      }
      sandbox_->SetResolvConf(*resolv);
    }
    sandbox_->SetCaBundle(r_.options_.ca_bundle);
    report_.last_status = "PENDING";
    Publish();
    if (StopRequested()) return false;
    // The first security filter comes once EC2 knows the ENI (from this
    // report on): awaited and applied beside the images and containers,
    // before any container starts (the thread is joined on every return).
    struct Joiner {
      std::thread t;
      ~Joiner() {
        if (t.joinable()) t.join();
      }
    } filter;
    filter.t = std::thread([this] { AwaitFilter(); });

    // Images: pulled when missing, one pull at a time.
    report_.pull_started_at_ms = Now();
    std::map<std::string, std::string> digests;
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      std::string image = NormalizeImageRef(plan_.containers[i].spec.image);
      if (!digests.count(image)) {
        auto found = r_.engine_.ImageInspect(image);
        if (!found.ok() && IsNotFound(found.error())) {
          std::lock_guard<std::mutex> pl(r_.pull_mu_);
          Log("pulling " + image);
          std::string last;
          PullRegistry* pulls = r_.options_.pulls;
          std::string pull_id = pulls ? pulls->Begin(image, plan_.task_arn) : "";
          Status st = r_.engine_.ImagePull(image, [&](const json::object& line) {
            if (pulls) pulls->Feed(pull_id, line);
            std::string s = GetString(line, "status");
            if (!s.empty() && s != last) {
              last = s;
              Log("pull " + image + ": " + s + (line.contains("id") ? " " + GetString(line, "id") : ""));
            }
          });
          if (pulls) pulls->Finish(pull_id, st);
          if (!st.ok()) {
            std::string reason = "CannotPullContainerError: pull image " + image + ": " + st.error().message;
            report_.containers[i].reason = reason;
            report_.pull_stopped_at_ms = Now();
            Fail("TaskFailedToStart", reason);
            return false;
          }
          found = r_.engine_.ImageInspect(image);
        }
        if (!found.ok()) {
          std::string reason = "CannotPullContainerError: " + found.error().message;
          report_.containers[i].reason = reason;
          report_.pull_stopped_at_ms = Now();
          Fail("TaskFailedToStart", reason);
          return false;
        }
        digests[image] = DigestOf(*found);
      }
      report_.containers[i].image_digest = digests[image];
      if (StopRequested()) return false;
    }
    report_.pull_stopped_at_ms = Now();
    Publish();

    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      auto id = sandbox_->CreateContainer(plan_.containers[i].spec);
      if (!id.ok()) {
        std::string reason = "CannotCreateContainerError: " + id.error().message;
        report_.containers[i].reason = reason;
        report_.containers[i].last_status = "STOPPED";
        Fail("TaskFailedToStart", reason);
        return false;
      }
      report_.containers[i].runtime_id = *id;
      Track(*id);
      state_[i].created = true;
      state_[i].wait_since_ms = Now();
    }
    Publish();
    filter.t.join();
    return !StopRequested();
  }

  // A task fargo ran before it restarted: rebuild what the engine still has.
  bool AdoptExisting() {
    auto sb = TaskSandbox::Adopt(r_.engine_, plan_.task_arn);
    if (!sb.ok()) {
      report_.last_status = "STOPPED";
      report_.stop_code = "EssentialContainerExited";
      report_.stopped_reason = "Task stopped: its containers were gone when fargo restarted";
      report_.stopped_at_ms = report_.execution_stopped_at_ms = Now();
      for (auto& c : report_.containers) c.last_status = "STOPPED";
      Publish();
      adopted_gone_ = true;
      return false;
    }
    sandbox_ = std::move(*sb);
    SetNetwork();
    ApplyEgress();  // kept in the VPC's namespace across the restart; made sure of
    // The VPC's services again (a restarted fargo listens anew); the
    // containers keep the resolv.conf they were made with.
    if (r_.options_.prepare_vpc && !plan_.sandbox.vpc.vpc_id.empty()) {
      if (auto st = r_.options_.prepare_vpc(plan_.sandbox); !st.ok()) Log("VPC DNS: " + st.error().message);
    }
    report_.last_status = "PENDING";
    const auto& engine_ids = sandbox_->containers();
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      auto it = engine_ids.find(plan_.containers[i].spec.name);
      if (it == engine_ids.end()) continue;
      auto& cr = report_.containers[i];
      auto& st = state_[i];
      cr.runtime_id = it->second;
      Track(it->second);
      st.created = true;
      st.wait_since_ms = Now();
      auto in = r_.engine_.ContainerInspect(it->second);
      if (!in.ok()) continue;
      if (auto* image = in->if_contains("Image"); image && image->is_string()) {
        if (auto img = r_.engine_.ImageInspect(std::string(image->as_string())); img.ok())
          cr.image_digest = DigestOf(*img);
      }
      const json::object* s = GetObject(*in, "State");
      std::string status = s ? GetString(*s, "Status") : "";
      // Anything but a container that was only created has been started
      // (running, stopping, exited, ...): never start it a second time.
      if (!status.empty() && status != "created" && status != "configured" && status != "initialized") {
        st.started = true;
        cr.last_status = "RUNNING";
        // From where its stored output ends (nothing stored: its first byte).
        const auto& logs = plan_.containers[i].awslogs;
        OutputOffsets resume;
        if (logs)
          if (auto r = logs->resume.find(cr.runtime_id); r != logs->resume.end()) resume = r->second;
        Follow(i, resume);
      }
      // One that exited while fargo was away is noticed by CheckExits, as if
      // it had exited now: an essential one ends the task.
    }
    if (std::none_of(state_.begin(), state_.end(), [](const State& s) { return s.created; })) {
      // Nothing of the task was created yet: it never got far enough to run.
      Fail("TaskFailedToStart", "Task stopped: fargo restarted while the task was starting");
      return false;
    }
    Log("adopted");
    Publish();
    return true;
  }

  void Follow(size_t i, const std::optional<OutputOffsets>& resume) {
    const auto& cp = plan_.containers[i];
    if (!cp.awslogs || !r_.logs_ || state_[i].following) return;
    r_.logs_->Follow(report_.containers[i].runtime_id, *cp.awslogs, cp.spec.tty, resume);
    state_[i].following = true;
  }

  void RecordExit(size_t i, const json::object& inspect) {
    auto& cr = report_.containers[i];
    state_[i].exited = true;
    cr.last_status = "STOPPED";
    if (const json::object* s = GetObject(inspect, "State")) {
      if (auto* e = s->if_contains("ExitCode"); e && e->is_number()) cr.exit_code = e->to_number<int64_t>();
      if (auto* oom = s->if_contains("OOMKilled"); oom && oom->is_bool() && oom->as_bool()) {
        cr.reason = "OutOfMemoryError: Container killed due to memory usage";
      }
    }
    cr.finished_at_ms = Now();
  }

  // Index of the container named `name`, or npos.
  size_t IndexOf(const std::string& name) const {
    for (size_t i = 0; i < plan_.containers.size(); ++i)
      if (plan_.containers[i].spec.name == name) return i;
    return std::string::npos;
  }

  enum class Dep { kMet, kWaiting, kFailed };
  // Whether container i may start; `why` names a failed dependency.
  Dep Dependencies(size_t i, std::string& why) {
    for (const auto& d : plan_.containers[i].depends_on) {
      size_t j = IndexOf(d.container);
      if (j == std::string::npos) {
        why = "dependency " + d.container + " is not a container of the task";
        return Dep::kFailed;
      }
      const auto& s = state_[j];
      const auto& cr = report_.containers[j];
      if (s.gave_up) {
        why = "dependency " + d.container + " never started";
        return Dep::kFailed;
      }
      if (d.condition == "START") {
        if (!s.started) return Dep::kWaiting;
      } else if (d.condition == "COMPLETE") {
        if (!s.exited) return Dep::kWaiting;
      } else if (d.condition == "SUCCESS") {
        if (!s.exited) return Dep::kWaiting;
        if (cr.exit_code.value_or(-1) != 0) {
          why = "dependency " + d.container + " exited with code " +
                std::to_string(cr.exit_code.value_or(-1)) + ", condition SUCCESS";
          return Dep::kFailed;
        }
      } else if (d.condition == "HEALTHY") {
        if (cr.health_status == "UNHEALTHY" || (s.exited && cr.health_status != "HEALTHY")) {
          why = "dependency " + d.container + " is not healthy, condition HEALTHY";
          return Dep::kFailed;
        }
        if (cr.health_status != "HEALTHY") return Dep::kWaiting;
      } else {
        why = "unknown dependency condition " + d.condition;
        return Dep::kFailed;
      }
    }
    return Dep::kMet;
  }

  // Starts every container whose dependencies are met. False when the task
  // must end.
  bool StartReady() {
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      auto& s = state_[i];
      auto& cr = report_.containers[i];
      const auto& cp = plan_.containers[i];
      if (!s.created || s.started || s.gave_up) continue;
      std::string why;
      Dep dep = Dependencies(i, why);
      if (dep == Dep::kWaiting && cp.start_timeout_seconds > 0 &&
          Now() - s.wait_since_ms > int64_t{cp.start_timeout_seconds} * 1000) {
        dep = Dep::kFailed;
        why = "dependencies not met within startTimeout of " + std::to_string(cp.start_timeout_seconds) + "s";
      }
      if (dep == Dep::kWaiting) continue;
      if (dep == Dep::kFailed) {
        s.gave_up = true;
        cr.last_status = "STOPPED";
        cr.reason = "DependencyConditionFailed: " + why;
        Publish();
        if (cp.essential) {
          Fail("TaskFailedToStart", "Essential container " + cp.spec.name + " could not start: " + why);
          return false;
        }
        continue;
      }
      // Output is followed from before the start, so the first line is kept.
      Follow(i, std::nullopt);
      Status st = r_.engine_.ContainerStart(cr.runtime_id);
      if (!st.ok()) {
        s.gave_up = true;
        cr.last_status = "STOPPED";
        cr.reason = "CannotStartContainerError: " + st.error().message;
        Publish();
        if (cp.essential) {
          Fail("TaskFailedToStart", cr.reason);
          return false;
        }
        continue;
      }
      s.started = true;
      cr.last_status = "RUNNING";
      cr.started_at_ms = Now();
      if (cp.health_check) {
        s.next_check_ms = Now() + 1000LL * std::max(1, cp.health_check->interval_seconds) / 6;
      }
      Publish();
    }
    return true;
  }

  // Notices containers that exited. False when the task must end.
  bool CheckExits() {
    bool ok = true;
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      auto& s = state_[i];
      if (!s.started || s.exited) continue;
      auto in = r_.engine_.ContainerInspect(report_.containers[i].runtime_id);
      if (!in.ok()) {
        if (!IsNotFound(in.error())) continue;  // engine restarting: look again later
        s.exited = true;
        report_.containers[i].last_status = "STOPPED";
        report_.containers[i].reason = "the container was removed from the engine";
      } else {
        const json::object* st = GetObject(*in, "State");
        std::string status = st ? GetString(*st, "Status") : "";
        if (status == "running" || status == "paused" || status == "created" || status == "restarting") continue;
        RecordExit(i, *in);
      }
      Publish();
      if (plan_.containers[i].essential) {
        Fail("EssentialContainerExited", "Essential container in task exited");
        ok = false;
      }
    }
    return ok;
  }

  // Runs the health checks that are due.
  void RunHealthChecks() {
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      const auto& cp = plan_.containers[i];
      auto& s = state_[i];
      if (!cp.health_check || !s.started || s.exited || Now() < s.next_check_ms) continue;
      const auto& hc = *cp.health_check;
      bool healthy = Probe(report_.containers[i].runtime_id, hc);
      auto& cr = report_.containers[i];
      std::string before = cr.health_status;
      bool in_start_period = Now() - cr.started_at_ms < int64_t{hc.start_period_seconds} * 1000;
      if (healthy) {
        s.failures = 0;
        cr.health_status = "HEALTHY";
      } else if (!in_start_period) {
        if (++s.failures >= std::max(1, hc.retries)) cr.health_status = "UNHEALTHY";
      }
      s.next_check_ms = Now() + int64_t{std::max(1, hc.interval_seconds)} * 1000;
      if (cr.health_status != before) {
        Log("container " + cp.spec.name + " is " + cr.health_status);
        UpdateTaskHealth();
        Publish();
      }
    }
  }

  // One health check command; true when it exits 0 within its timeout.
  bool Probe(const std::string& container_id, const HealthCheckSpec& hc) {
    if (hc.command.empty()) return false;
    ExecSpec spec;
    if (hc.command[0] == "CMD-SHELL") {
      std::string script;
      for (size_t k = 1; k < hc.command.size(); ++k) script += (k > 1 ? " " : "") + hc.command[k];
      spec.cmd = {"/bin/sh", "-c", script};
    } else if (hc.command[0] == "CMD") {
      spec.cmd.assign(hc.command.begin() + 1, hc.command.end());
    } else {
      spec.cmd = hc.command;
    }
    if (spec.cmd.empty()) return false;
    auto exec = r_.engine_.ExecCreate(container_id, spec);
    if (!exec.ok()) return false;
    CancelToken cancel{false};
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::thread t([&] {
      (void)r_.engine_.ExecStart(*exec, [](StreamKind, std::string_view) {}, false, &cancel);
      std::lock_guard<std::mutex> l(m);
      finished = true;
      cv.notify_all();
    });
    {
      std::unique_lock<std::mutex> l(m);
      if (!cv.wait_for(l, std::chrono::seconds(std::max(1, hc.timeout_seconds)), [&] { return finished; })) {
        cancel = true;
      }
    }
    t.join();
    if (cancel) return false;
    auto in = r_.engine_.ExecInspect(*exec);
    if (!in.ok()) return false;
    auto* code = in->if_contains("ExitCode");
    return code && code->is_number() && code->to_number<int64_t>() == 0;
  }

  void UpdateTaskHealth() {
    bool any = false, unhealthy = false, all_healthy = true;
    for (size_t i = 0; i < plan_.containers.size(); ++i) {
      if (!plan_.containers[i].essential || !plan_.containers[i].health_check) continue;
      any = true;
      const auto& h = report_.containers[i].health_status;
      if (h == "UNHEALTHY") unhealthy = true;
      if (h != "HEALTHY") all_healthy = false;
    }
    report_.health_status = !any ? "UNKNOWN" : unhealthy ? "UNHEALTHY" : all_healthy ? "HEALTHY" : "UNKNOWN";
  }

  // PENDING until every container that will start has, then RUNNING until
  // the task must stop.
  void Supervise() {
    if (report_.health_status.empty()) UpdateTaskHealth();
    for (;;) {
      if (StopRequested()) return;
      ApplyEgress();
      ApplyFilter();
      if (!StartReady()) return;
      if (!CheckExits()) return;
      RunHealthChecks();
      if (report_.last_status == "PENDING") {
        bool all = std::all_of(state_.begin(), state_.end(),
                               [](const State& s) { return s.started || s.gave_up; });
        if (all) {
          report_.last_status = "RUNNING";
          report_.started_at_ms = Now();
          Log("running at " + report_.ip);
          Publish();
        }
      }
      bool running = report_.last_status == "RUNNING";
      if (Sleep(running ? RunningSleep() : r_.options_.poll_starting)) {
        if (Detached()) return;
      }
    }
  }

  // DEPROVISIONING -> STOPPED: containers stopped (each with its grace
  // period, dependents first), output shipped, everything removed.
  void Deprovision() {
    if (adopted_gone_) return;
    if (report_.stopping_at_ms == 0) report_.stopping_at_ms = Now();
    report_.last_status = "DEPROVISIONING";
    Publish();
    if (sandbox_) {
      // Reverse definition order approximates "dependents first"; containers
      // of one level stop together.
      std::vector<size_t> order;
      for (size_t i = plan_.containers.size(); i-- > 0;)
        if (state_[i].started && !state_[i].exited) order.push_back(i);
      std::vector<std::thread> stoppers;
      for (size_t i : order) {
        stoppers.emplace_back([this, i] {
          (void)r_.engine_.ContainerStop(report_.containers[i].runtime_id,
                                         plan_.containers[i].spec.stop_timeout_seconds);
        });
      }
      for (auto& t : stoppers) t.join();
      for (size_t i : order) {
        auto in = r_.engine_.ContainerInspect(report_.containers[i].runtime_id);
        if (in.ok()) {
          RecordExit(i, *in);
        } else {
          state_[i].exited = true;
          report_.containers[i].last_status = "STOPPED";
        }
      }
      std::vector<std::string> followed;
      for (size_t i = 0; i < state_.size(); ++i) {
        if (report_.containers[i].last_status != "STOPPED") report_.containers[i].last_status = "STOPPED";
        if (state_[i].following && r_.logs_) {
          r_.logs_->Unfollow(report_.containers[i].runtime_id);
          followed.push_back(report_.containers[i].runtime_id);
        }
        state_[i].following = false;
      }
      // Removing a container takes its log: first its output is shipped
      // (read back from the log when it exited while fargo was away). The
      // shipper cuts a follower off in bounded time; this bound is a guard.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
      for (const auto& id : followed)
        while (r_.logs_->Following(id) && std::chrono::steady_clock::now() < give_up)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
      report_.execution_stopped_at_ms = Now();
      Publish();
      Status st = sandbox_->Teardown(*r_.fabric_, 0);
      if (!st.ok()) Log("teardown: " + st.error().message);
      // The VPC's namespace goes with its last task.
      std::lock_guard<std::mutex> l(r_.sandbox_mu_);
      if (Status gone = TaskSandbox::RemoveVpcIfUnused(r_.engine_, *r_.fabric_, sandbox_->vpc_id()); !gone.ok())
        Log("removing the VPC network: " + gone.error().message);
    } else {
      for (auto& c : report_.containers) c.last_status = "STOPPED";
      report_.execution_stopped_at_ms = Now();
      // A sandbox that failed half-way may have made the VPC's namespace.
      if (!plan_.sandbox.vpc.vpc_id.empty()) {
        std::lock_guard<std::mutex> l(r_.sandbox_mu_);
        (void)TaskSandbox::RemoveVpcIfUnused(r_.engine_, *r_.fabric_, plan_.sandbox.vpc.vpc_id);
      }
    }
    report_.last_status = "STOPPED";
    report_.stopped_at_ms = Now();
    Publish();
  }

  TaskRunner& r_;
  const TaskPlan plan_;
  TaskReport report_;
  std::vector<State> state_;
  std::optional<TaskSandbox> sandbox_;
  bool adopted_gone_ = false;
  std::optional<bool> applied_egress_;  // what the fabric holds for the ENI (unknown when adopted)
  bool egress_failed_ = false;
  bool fresh_namespace_ = false;  // made by this supervisor: no filter in it yet
  std::optional<SecurityFilter> applied_filter_;  // what the namespace holds (unknown when adopted)
  bool filter_failed_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // GUARDED_BY(mu_)
  bool detach_ = false;  // GUARDED_BY(mu_)
  bool wake_ = false;    // GUARDED_BY(mu_)
  bool desired_egress_ = HasEgress(plan_.sandbox.subnet_egress, plan_.sandbox.public_ip);  // GUARDED_BY(mu_)
  std::optional<SecurityFilter> desired_filter_;  // GUARDED_BY(mu_)
  std::set<std::string> ids_;  // GUARDED_BY(mu_): the task's engine containers
  std::atomic<bool> done_{false};
};

TaskRunner::TaskRunner(EngineClient& engine, const Clock& clock, LogShipper* logs, ReportFn report, LogFn log,
                       Options options)
    : engine_(engine),
      fabric_(std::make_unique<VpcFabric>(VpcFabric::Options{options.instance})),
      clock_(clock),
      logs_(logs),
      report_(std::move(report)),
      log_(std::move(log)),
      options_(options) {}

TaskRunner::~TaskRunner() { Shutdown(); }

void TaskRunner::SetEngineFacts(std::shared_future<EngineFacts> facts) {
  std::lock_guard<std::mutex> l(mu_);
  engine_facts_ = std::move(facts);
}

std::string TaskRunner::EngineBlocks(const TaskPlan& plan, int* container) {
  *container = -1;
  std::shared_future<EngineFacts> facts;
  {
    std::lock_guard<std::mutex> l(mu_);
    facts = engine_facts_;
  }
  // A check that has not finished in time decides nothing: the task then
  // meets whatever the engine says itself.
  if (!facts.valid() || facts.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return {};
  return TaskBlockedBy(facts.get(), plan, container);
}

void TaskRunner::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (events_.joinable() || shutting_down_) return;
  events_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fargo-events");
    WatchEvents();
  });
}

void TaskRunner::WatchEvents() {
  while (!events_cancel_) {
    Status st = engine_.Events({{kLabelManaged, "true"}}, [this](const json::object& e) {
      std::string type = GetString(e, "Type"), action = GetString(e, "Action");
      if (action.empty()) action = GetString(e, "status");
      if ((!type.empty() && type != "container") || (action != "die" && action != "stop" && action != "kill" &&
                                                     action != "oom" && action != "remove")) {
        return;
      }
      std::string id = GetString(e, "id");
      if (id.empty()) id = GetString(e, "ID");
      std::vector<std::shared_ptr<Supervisor>> owners;
      {
        std::lock_guard<std::mutex> l(mu_);
        for (auto& [arn, sup] : tasks_)
          if (sup->Owns(id)) owners.push_back(sup);
      }
      for (auto& sup : owners) sup->Wake();
    }, &events_cancel_);
    (void)st;
    // The stream ended (engine restarting): wait a little, then watch again.
    for (int i = 0; i < 10 && !events_cancel_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void TaskRunner::Shutdown() {
  events_cancel_ = true;
  if (events_.joinable()) events_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    shutting_down_ = true;
    for (auto& [arn, s] : tasks_) s->RequestDetach();
    threads.swap(finished_);
    for (auto& t : background_) threads.push_back(std::move(t));
    background_.clear();
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  // Supervisors move their own thread into finished_ when they end; wait
  // for the rest to do so.
  for (;;) {
    std::vector<std::thread> more;
    bool empty;
    {
      std::lock_guard<std::mutex> l(mu_);
      more.swap(finished_);
      empty = tasks_.empty();
    }
    for (auto& t : more)
      if (t.joinable()) t.join();
    if (empty && more.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void TaskRunner::Spawn(const TaskPlan& plan, bool adopt) {
  Reap();
  TaskPlan labelled = plan;
  if (!options_.instance.empty()) labelled.sandbox.labels[kLabelInstance] = options_.instance;
  auto sup = std::make_shared<Supervisor>(*this, std::move(labelled));
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  if (tasks_.count(plan.task_arn)) return;  // already supervised
  tasks_[plan.task_arn] = sup;
  std::string arn = plan.task_arn;
  // The thread removes its own entry when done and hands its std::thread
  // to finished_ for joining (a thread cannot join itself).
  auto holder = std::make_shared<std::thread>();
  *holder = std::thread([this, sup, arn, adopt, holder] {
    pthread_setname_np(pthread_self(), "fargo-task");
    sup->Run(adopt);
    std::lock_guard<std::mutex> g(mu_);
    tasks_.erase(arn);
    finished_.push_back(std::move(*holder));
  });
}

void TaskRunner::Reap() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    threads.swap(finished_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

void TaskRunner::Launch(const TaskPlan& plan) { Spawn(plan, false); }

void TaskRunner::Stop(const std::string& task_arn) {
  std::shared_ptr<Supervisor> sup;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task_arn);
    if (it != tasks_.end()) sup = it->second;
  }
  if (sup) {
    sup->RequestStop();
    return;
  }
  // Not supervised: whatever the engine still holds of it goes, and the
  // control plane hears that it stopped.
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  background_.emplace_back([this, task_arn] {
    (void)TaskSandbox::RemoveTask(engine_, *fabric_, task_arn, 10);
    TaskReport r;
    r.task_arn = task_arn;
    r.last_status = "STOPPED";
    r.stopped_at_ms = r.execution_stopped_at_ms = clock_.NowMillis();
    report_(r);
  });
}

void TaskRunner::Adopt(const std::vector<TaskPlan>& live) {
  std::set<std::string> known;
  for (const auto& p : live) {
    known.insert(p.task_arn);
    Spawn(p, true);
  }
  // Orphans: fargo-labelled tasks the control plane does not know (or knows
  // as stopped) are removed in the background. `live` is a snapshot: a task
  // launched after it was taken is supervised (in tasks_ from before its
  // first container exists) and is never an orphan.
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  background_.emplace_back([this, known] {
    Labels mine;
    if (!options_.instance.empty()) mine[kLabelInstance] = options_.instance;
    auto arns = TaskSandbox::ListTasks(engine_, mine);
    if (!arns.ok()) {
      if (log_) log_("runtime: cannot list tasks to adopt: " + arns.error().message);
      return;
    }
    size_t removed = 0;
    for (const auto& arn : *arns) {
      if (known.count(arn)) continue;
      {
        std::lock_guard<std::mutex> g(mu_);
        if (shutting_down_) return;  // supervisors are detaching: the next start sweeps
        if (tasks_.count(arn)) continue;
      }
      if (log_) log_("runtime: removing orphaned task " + arn);
      (void)TaskSandbox::RemoveTask(engine_, *fabric_, arn, 10);
      ++removed;
    }
    // VPC namespaces whose tasks are all gone.
    {
      std::lock_guard<std::mutex> sl(sandbox_mu_);
      for (const auto& vpc : fabric_->Vpcs()) (void)TaskSandbox::RemoveVpcIfUnused(engine_, *fabric_, vpc);
    }
    if (log_) log_("runtime: orphan sweep done, " + std::to_string(removed) + " removed");
  });
}

void TaskRunner::SetEgress(const std::string& task_arn, bool egress) {
  std::shared_ptr<Supervisor> sup;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task_arn);
    if (it != tasks_.end()) sup = it->second;
  }
  if (sup) sup->RequestEgress(egress);
}

void TaskRunner::SetSecurityFilter(const std::string& task_arn, const SecurityFilter& filter) {
  std::shared_ptr<Supervisor> sup;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task_arn);
    if (it != tasks_.end()) sup = it->second;
  }
  if (sup) sup->RequestFilter(filter);
}

Status TaskRunner::RouteVpc(const std::string& vpc_id, const std::vector<std::string>& cidrs) {
  std::lock_guard<std::mutex> l(sandbox_mu_);
  return fabric_->RouteVpc(vpc_id, cidrs);
}

Status TaskRunner::RemoveVpcIfUnused(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(sandbox_mu_);
  return TaskSandbox::RemoveVpcIfUnused(engine_, *fabric_, vpc_id);
}

Status TaskRunner::UnrouteVpc(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(sandbox_mu_);
  FARGO_TRY(fabric_->UnrouteVpc(vpc_id));
  return TaskSandbox::RemoveVpcIfUnused(engine_, *fabric_, vpc_id);
}

size_t TaskRunner::LiveTasks() const {
  std::lock_guard<std::mutex> l(mu_);
  return tasks_.size();
}

}  // namespace fargo::runtime
