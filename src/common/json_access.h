// Readers for JSON objects that tolerate missing or mistyped members: handler
// input already checked by a codec, stored documents, engine answers and
// plans written by older versions. The one set of accessors of the tree.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace fargo {

inline std::string GetString(const boost::json::object& o, std::string_view k, std::string def = "") {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : def;
}
// Never throws: a number that is no int64 exactly (1.5, 1e300, 2^64-1) is
// `def`, as a missing one.
inline int64_t GetInt(const boost::json::object& o, std::string_view k, int64_t def = 0) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_number()) return def;
  boost::system::error_code ec;
  int64_t n = v->to_number<int64_t>(ec);
  return ec ? def : n;
}
inline bool GetBool(const boost::json::object& o, std::string_view k, bool def = false) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : def;
}
inline const boost::json::array* GetArray(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_array() ? &v->as_array() : nullptr;
}
inline const boost::json::object* GetObject(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_object() ? &v->as_object() : nullptr;
}
inline bool Has(const boost::json::object& o, std::string_view k) { return o.contains(k); }
// The string members of the object `k` (tags, as stored): others are skipped.
inline std::map<std::string, std::string> GetStringMap(const boost::json::object& o, std::string_view k) {
  std::map<std::string, std::string> out;
  if (const boost::json::object* m = GetObject(o, k))
    for (const auto& [name, v] : *m)
      if (v.is_string()) out.emplace(std::string(name), std::string(v.as_string()));
  return out;
}
// `m` as a JSON object, as GetStringMap reads it back.
inline boost::json::object StringMapObject(const std::map<std::string, std::string>& m) {
  boost::json::object out;
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

}  // namespace fargo
