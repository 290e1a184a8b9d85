#include "dataplane/sessions/session_registry.h"

#include <vector>

namespace fargo::dataplane::sessions {

Status SessionRegistry::Add(std::string owner, std::string token, Session::Options options) {
  std::string id = options.id;
  auto ended = std::move(options.ended);
  options.ended = [this, ended = std::move(ended)](Session::Ended e) {
    Remove(e.session_id);
    if (ended) ended(std::move(e));
  };
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto& [k, e] : sessions_) n += e.owner == owner;
  if (n >= opt_.max_per_owner)
    return AwsError::Make("SessionLimitExceeded", "The maximum number of sessions for " + owner + " is " +
                                                      std::to_string(opt_.max_per_owner) + ".");
  if (sessions_.count(id)) return AwsError::Make("InvalidParameterException", "Session " + id + " exists.");
  auto session = std::make_shared<Session>(executor_, std::move(options));
  sessions_.emplace(id, Entry{std::move(owner), std::move(token), session});
  session->Start();
  return OkStatus();
}

std::shared_ptr<Session> SessionRegistry::Claim(const std::string& id, const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || token.empty() || it->second.token != token) return nullptr;
  return it->second.session;
}

std::optional<std::string> SessionRegistry::Renew(const std::string& id, const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  it->second.token = token;
  return token;
}

bool SessionRegistry::Terminate(const std::string& id, const std::string& message) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = it->second.session;
  }
  s->Terminate(message);
  return true;
}

void SessionRegistry::TerminateOwner(const std::string& owner, const std::string& message) {
  std::vector<std::shared_ptr<Session>> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [k, e] : sessions_)
      if (e.owner == owner || e.owner.rfind(owner + "/", 0) == 0) found.push_back(e.session);
  }
  for (auto& s : found) s->Terminate(message);
}

size_t SessionRegistry::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

void SessionRegistry::Remove(const std::string& id) {
  std::shared_ptr<Session> keep;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  keep = std::move(it->second.session);
  sessions_.erase(it);
}
}  // namespace fargo::dataplane::sessions
