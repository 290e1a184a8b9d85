// Small JSON builders shared by the runtime's engine bodies and plan encoding.
#pragma once

#include <map>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace fargo::runtime {

inline boost::json::array StringArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.push_back(boost::json::string(s));
  return a;
}

inline boost::json::object LabelsJson(const std::map<std::string, std::string>& labels) {
  boost::json::object o;
  for (const auto& [k, v] : labels) o[k] = v;
  return o;
}

// Readers that tolerate missing or mistyped members (engine answers, plans
// written by older versions).
namespace jsonr {

inline std::string Str(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
inline int64_t Int(const boost::json::object& o, std::string_view k, int64_t def = 0) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<int64_t>() : def;
}
inline bool Bool(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() && v->as_bool();
}
inline const boost::json::object* Obj(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_object() ? &v->as_object() : nullptr;
}
inline const boost::json::array* Arr(const boost::json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

}  // namespace jsonr
}  // namespace fargo::runtime
