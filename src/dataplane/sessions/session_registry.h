// SessionRegistry: the live sessions by id, each with its current token and
// its owner (what it belongs to: a task ARN for ECS Exec, so that sessions
// per owner are bounded and end with it). Thread-safe: ECS's starter and
// SSM's Resume/TerminateSession call it on the state thread, the WebSocket
// server on the network threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "dataplane/sessions/session.h"

namespace fargo::dataplane::sessions {

class SessionRegistry {
 public:
  struct Options {
    size_t max_per_owner = 10;
  };
  SessionRegistry(boost::asio::any_io_executor executor, Options options)
      : executor_(std::move(executor)), opt_(options) {}

  // Registers a session (not started until its client connects). Refused
  // with SessionLimitExceeded beyond Options::max_per_owner for `owner`.
  Status Add(std::string owner, std::string token, Session::Options options);
  // The session `id` if `token` is its token now.
  std::shared_ptr<Session> Claim(const std::string& id, const std::string& token);
  // A new token for a live session (ResumeSession); nullopt: none such.
  std::optional<std::string> Renew(const std::string& id, const std::string& token);
  // Ends a session (TerminateSession); false: none such.
  bool Terminate(const std::string& id, const std::string& message);
  // Ends every session of `owner`, and of owners under it ("<owner>/..."):
  // its task stopped.
  void TerminateOwner(const std::string& owner, const std::string& message);
  size_t live() const;

 private:
  struct Entry {
    std::string owner, token;
    std::shared_ptr<Session> session;
  };
  void Remove(const std::string& id);

  boost::asio::any_io_executor executor_;
  Options opt_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace fargo::dataplane::sessions
