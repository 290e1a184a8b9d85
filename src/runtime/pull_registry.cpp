#include "runtime/pull_registry.h"

#include <chrono>

namespace fargo::runtime {

namespace {

// "pull-12" -> 12; 0 for anything else.
uint64_t NumberOf(const std::string& id) {
  if (id.rfind("pull-", 0) != 0 || id.size() == 5) return 0;
  uint64_t n = 0;
  for (size_t i = 5; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return n;
}

}  // namespace

double PullRegistry::Now() const {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string PullRegistry::Begin(const std::string& image, const std::string& owner) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = next_id_++;
  PullProgress& p = pulls_[n];
  p.id = "pull-" + std::to_string(n);
  p.image = image;
  p.owner = owner;
  p.started_at = p.updated_at = Now();
  return p.id;
}

void PullRegistry::Feed(const std::string& id, const boost::json::object& line) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = pulls_.find(NumberOf(id));
  if (it == pulls_.end() || it->second.state != PullProgress::State::kPulling) return;
  it->second.Feed(line);
  it->second.updated_at = Now();
}

void PullRegistry::Finish(const std::string& id, const Status& status) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = NumberOf(id);
  auto it = pulls_.find(n);
  if (it == pulls_.end()) return;
  bool was_finished = false;
  for (uint64_t f : finished_) was_finished |= f == n;
  it->second.Finish(status);
  it->second.updated_at = Now();
  if (was_finished) return;
  finished_.push_back(n);
  while (finished_.size() > keep_finished_) {
    pulls_.erase(finished_.front());
    finished_.pop_front();
  }
}

std::optional<PullProgress> PullRegistry::Get(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = pulls_.find(NumberOf(id));
  if (it == pulls_.end()) return std::nullopt;
  return it->second;
}

std::vector<PullProgress> PullRegistry::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PullProgress> out;
  for (const auto& [n, p] : pulls_)
    if (p.state == PullProgress::State::kPulling) out.push_back(p);
  for (uint64_t n : finished_) out.push_back(pulls_.at(n));
  return out;
}

}  // namespace fargo::runtime
