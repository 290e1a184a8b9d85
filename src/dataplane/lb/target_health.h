// TargetHealth: one target's health as its target group's checks decide it,
// AWS's state machine (pure; the time is passed in, so tests inject it).
//
//   registered -> initial (Elb.RegistrationInProgress, then once checks have
//   begun Elb.InitialHealthChecking) -> healthy after HealthyThresholdCount
//   consecutive passes -> unhealthy after UnhealthyThresholdCount
//   consecutive failures (Target.Timeout, Target.FailedHealthChecks,
//   Target.ResponseCodeMismatch) -> healthy again after HealthyThresholdCount
//   passes. A check is due every HealthCheckIntervalSeconds.
#pragma once

#include <cstdint>
#include <string>

namespace fargo::dataplane::lb {

enum class CheckOutcome {
  kPassed,
  kTimeout,        // no answer within HealthCheckTimeoutSeconds
  kFailed,         // connection refused or reset, not HTTP
  kCodeMismatch,   // an HTTP status outside the matcher
};

struct CheckResult {
  CheckOutcome outcome = CheckOutcome::kPassed;
  int http_code = 0;  // for kCodeMismatch
};

class TargetHealth {
 public:
  enum class State { kInitial, kHealthy, kUnhealthy };

  TargetHealth(int healthy_threshold, int unhealthy_threshold, int interval_s)
      : healthy_threshold_(healthy_threshold < 1 ? 1 : healthy_threshold),
        unhealthy_threshold_(unhealthy_threshold < 1 ? 1 : unhealthy_threshold),
        interval_ms_(static_cast<int64_t>(interval_s) * 1000) {}

  // Thresholds and interval changed by ModifyTargetGroup: the state stays.
  void Reconfigure(int healthy_threshold, int unhealthy_threshold, int interval_s);

  // Whether a check should start now (none running, the interval past).
  bool Due(int64_t now_ms) const { return !running_ && now_ms >= next_ms_; }
  void Started(int64_t now_ms);
  // Records a check's result; true when the state or reason shown changed.
  bool Record(const CheckResult& r, int64_t now_ms);

  State state() const { return state_; }
  bool healthy() const { return state_ == State::kHealthy; }
  // As DescribeTargetHealth shows them.
  const char* StateName() const;
  std::string Reason() const;
  std::string Description() const;

 private:
  int healthy_threshold_, unhealthy_threshold_;
  int64_t interval_ms_;
  State state_ = State::kInitial;
  bool checked_ = false;  // a check has begun
  bool running_ = false;
  int64_t next_ms_ = 0;   // the first check at once
  int passes_ = 0, failures_ = 0;
  CheckResult last_{};
};

// Whether an HTTP status code matches a matcher ("200", "200-399",
// "200,202,300-302").
bool MatcherAccepts(const std::string& matcher, int code);

}  // namespace fargo::dataplane::lb
