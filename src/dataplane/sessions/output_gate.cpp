#include "dataplane/sessions/output_gate.h"

#include <algorithm>

namespace fargo::dataplane::sessions {

bool OutputGate::Enter(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return closed_ || handed_ + unacknowledged_ < limit_; });
  if (closed_) return false;
  handed_ += n;
  return true;
}

void OutputGate::Handed(size_t n, size_t unacknowledged) {
  std::lock_guard<std::mutex> lock(mu_);
  handed_ -= std::min(handed_, n);
  unacknowledged_ = unacknowledged;
  cv_.notify_all();
}

void OutputGate::SetUnacknowledged(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  bool less = n < unacknowledged_;
  unacknowledged_ = n;
  if (less) cv_.notify_all();
}

void OutputGate::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

size_t OutputGate::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handed_ + unacknowledged_;
}

bool OutputGate::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

}  // namespace fargo::dataplane::sessions
