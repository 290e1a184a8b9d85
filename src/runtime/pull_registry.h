// PullRegistry: the image pulls under way in this fargo (the task runner's
// and `fargo pull`'s), for people to watch (GET /_fargo/pulls, `fargo ps`,
// `fargo pull`). Each pull is a PullProgress fed line by line by the thread
// that pulls; readers get copies. Finished pulls stay visible until
// `keep_finished` newer ones have finished, so that whoever started one
// reads how it ended.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/result.h"
#include "runtime/pull_progress.h"

namespace fargo::runtime {

class PullRegistry {
 public:
  explicit PullRegistry(size_t keep_finished = 32) : keep_finished_(keep_finished) {}

  // A new pull of `image` for `owner` (a task ARN, "" for a person's);
  // returns its id ("pull-1", "pull-2", ...).
  std::string Begin(const std::string& image, const std::string& owner);
  // One line of the pull's progress stream. Unknown ids are ignored.
  void Feed(const std::string& id, const boost::json::object& line);
  // The pull ended (its state becomes done or failed).
  void Finish(const std::string& id, const Status& status);

  std::optional<PullProgress> Get(const std::string& id) const;
  // Pulls under way (oldest first), then finished ones (oldest first).
  std::vector<PullProgress> List() const;

 private:
  double Now() const;

  const size_t keep_finished_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                       // GUARDED_BY(mu_)
  std::map<uint64_t, PullProgress> pulls_;     // GUARDED_BY(mu_), by number
  std::deque<uint64_t> finished_;              // GUARDED_BY(mu_), oldest first
};

}  // namespace fargo::runtime
