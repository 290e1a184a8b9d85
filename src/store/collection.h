// Collection: a service's documents of one kind, held in memory and written
// through to the Store. Keys are "region/id" for regional resources (use
// Key()), or plain ids for global ones (IAM).
//
// Thread-compatible: used only on the state thread.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>

#include "store/store.h"

namespace fargo::store {

class Collection {
 public:
  // REQUIRES: `store` outlives this collection.
  Collection(Store& store, std::string name) : store_(store), name_(std::move(name)) {}

  static std::string Key(std::string_view region, std::string_view id) {
    return std::string(region) + "/" + std::string(id);
  }

  Status Load() {
    docs_.clear();
    return store_.ScanDocs(name_, [this](std::string k, boost::json::value v) {
      if (v.is_object()) docs_.emplace(std::move(k), std::move(v.as_object()));
    });
  }

  // Read-only: a change is a copy handed to Put, so nothing is visible
  // before it is durable.
  const boost::json::object* Find(const std::string& key) const {
    auto it = docs_.find(key);
    return it == docs_.end() ? nullptr : &it->second;
  }

  // Durable first, then visible.
  Status Put(const std::string& key, boost::json::object doc) {
    FARGO_TRY(store_.PutDoc(name_, key, doc));
    docs_[key] = std::move(doc);
    return OkStatus();
  }
  Status Erase(const std::string& key) {
    FARGO_TRY(store_.DeleteDoc(name_, key));
    docs_.erase(key);
    return OkStatus();
  }

  // Iterates documents whose key starts with `prefix` (e.g. "us-east-1/").
  template <typename Fn>
  void ForEachPrefix(const std::string& prefix, Fn&& fn) const {
    for (auto it = docs_.lower_bound(prefix); it != docs_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      fn(it->first, it->second);
    }
  }
  const std::map<std::string, boost::json::object>& all() const { return docs_; }

 private:
  Store& store_;
  std::string name_;
  std::map<std::string, boost::json::object> docs_;
};

}  // namespace fargo::store
