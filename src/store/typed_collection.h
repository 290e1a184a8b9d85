// TypedCollection<T>: a Collection whose documents are one C++ type. T says
// how it is stored with two functions found by argument-dependent lookup:
//   boost::json::object ToStored(const T&);
//   Result<T> FromStored(const boost::json::object&, const T* tag);  // tag is null
// Durable first, then visible, as Collection: Put writes the document through
// to the store before Find sees the new value.
//
// Thread-compatible: used only on the state thread.
#pragma once

#include <map>
#include <string>

#include "store/collection.h"

namespace fargo::store {

template <typename T>
class TypedCollection {
 public:
  // REQUIRES: `store` outlives this collection.
  TypedCollection(Store& store, std::string name) : coll_(store, std::move(name)) {}

  // Reads every stored document; those that are not a T are skipped.
  Status Load() {
    items_.clear();
    FARGO_TRY(coll_.Load());
    for (const auto& [key, doc] : coll_.all())
      if (auto v = FromStored(doc, static_cast<const T*>(nullptr)); v.ok()) items_.emplace(key, std::move(v.value()));
    return OkStatus();
  }

  const T* Find(const std::string& key) const {
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : &it->second;
  }

  Status Put(const std::string& key, T v) {
    FARGO_TRY(coll_.Put(key, ToStored(v)));
    items_[key] = std::move(v);
    return OkStatus();
  }

  Status Erase(const std::string& key) {
    FARGO_TRY(coll_.Erase(key));
    items_.erase(key);
    return OkStatus();
  }

  // Calls fn(key, value) for the items whose key starts with `prefix`.
  template <typename Fn>
  void ForEachPrefix(const std::string& prefix, Fn&& fn) const {
    for (auto it = items_.lower_bound(prefix); it != items_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      fn(it->first, it->second);
    }
  }

  const std::map<std::string, T>& all() const { return items_; }

 private:
  Collection coll_;
  std::map<std::string, T> items_;
};

}  // namespace fargo::store
