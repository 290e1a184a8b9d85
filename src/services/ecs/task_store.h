// TaskStore: the stored tasks (collection "ecs.tasks", keys
// Key(region, cluster "/" task id)) as typed Tasks. Durable first, then
// visible: Put writes the document through to the store before the Task is
// seen by Find.
#pragma once

#include <map>
#include <string>

#include "services/ecs/task.h"
#include "store/collection.h"

namespace fargo::services::ecs {

class TaskStore {
 public:
  explicit TaskStore(store::Store& store) : coll_(store, "ecs.tasks") {}

  // Reads every stored task; documents that are not tasks are skipped.
  Status Load() {
    tasks_.clear();
    FARGO_TRY(coll_.Load());
    for (auto& [key, doc] : coll_.all())
      if (auto t = TaskFromStored(doc); t.ok()) tasks_.emplace(key, std::move(t.value()));
    return OkStatus();
  }

  const Task* Find(const std::string& key) const {
    auto it = tasks_.find(key);
    return it == tasks_.end() ? nullptr : &it->second;
  }

  Status Put(const std::string& key, Task t) {
    FARGO_TRY(coll_.Put(key, ToStored(t)));
    tasks_[key] = std::move(t);
    return OkStatus();
  }

  Status Erase(const std::string& key) {
    FARGO_TRY(coll_.Erase(key));
    tasks_.erase(key);
    return OkStatus();
  }

  // The tasks whose key starts with `prefix` (e.g. Key(region, cluster "/")).
  template <typename Fn>
  void ForEachPrefix(const std::string& prefix, Fn&& fn) const {
    for (auto it = tasks_.lower_bound(prefix); it != tasks_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      fn(it->first, it->second);
    }
  }

  const std::map<std::string, Task>& all() const { return tasks_; }

 private:
  store::Collection coll_;
  std::map<std::string, Task> tasks_;
};

}  // namespace fargo::services::ecs
