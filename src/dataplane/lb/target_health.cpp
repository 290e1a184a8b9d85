#include "dataplane/lb/target_health.h"

#include <cstdlib>
#include <sstream>

namespace fargo::dataplane::lb {

void TargetHealth::Reconfigure(int healthy_threshold, int unhealthy_threshold, int interval_s) {
  healthy_threshold_ = healthy_threshold < 1 ? 1 : healthy_threshold;
  unhealthy_threshold_ = unhealthy_threshold < 1 ? 1 : unhealthy_threshold;
  interval_ms_ = static_cast<int64_t>(interval_s) * 1000;
}

void TargetHealth::Started(int64_t now_ms) {
  running_ = true;
  next_ms_ = now_ms + interval_ms_;
}

bool TargetHealth::Record(const CheckResult& r, int64_t now_ms) {
  running_ = false;
  if (next_ms_ < now_ms) next_ms_ = now_ms;  // a check longer than the interval
  std::string before = std::string(StateName()) + Reason() + Description();
  checked_ = true;
  last_ = r;
  if (r.outcome == CheckOutcome::kPassed) {
    failures_ = 0;
    if (++passes_ >= healthy_threshold_) state_ = State::kHealthy;
  } else {
    passes_ = 0;
    if (++failures_ >= unhealthy_threshold_) state_ = State::kUnhealthy;
  }
  return before != std::string(StateName()) + Reason() + Description();
}

const char* TargetHealth::StateName() const {
  switch (state_) {
    case State::kHealthy: return "healthy";
    case State::kUnhealthy: return "unhealthy";
    default: return "initial";
  }
}

std::string TargetHealth::Reason() const {
  switch (state_) {
    case State::kHealthy: return "";
    case State::kInitial: return checked_ ? "Elb.InitialHealthChecking" : "Elb.RegistrationInProgress";
    default: break;
  }
  switch (last_.outcome) {
    case CheckOutcome::kTimeout: return "Target.Timeout";
    case CheckOutcome::kCodeMismatch: return "Target.ResponseCodeMismatch";
    default: return "Target.FailedHealthChecks";
  }
}

std::string TargetHealth::Description() const {
  switch (state_) {
    case State::kHealthy: return "";
    case State::kInitial:
      return checked_ ? "Initial health checks in progress" : "Target registration is in progress";
    default: break;
  }
  switch (last_.outcome) {
    case CheckOutcome::kTimeout: return "Request timed out";
    case CheckOutcome::kCodeMismatch:
      return "Health checks failed with these codes: [" + std::to_string(last_.http_code) + "]";
    default: return "Health checks failed";
  }
}

bool MatcherAccepts(const std::string& matcher, int code) {
  std::stringstream in(matcher);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t dash = part.find('-');
    int lo = std::atoi(part.substr(0, dash).c_str());
    int hi = dash == std::string::npos ? lo : std::atoi(part.substr(dash + 1).c_str());
    if (code >= lo && code <= hi) return true;
  }
  return false;
}

}  // namespace fargo::dataplane::lb
