// Small JSON builders shared by the runtime's engine bodies and plan encoding.
#pragma once

#include <map>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/json_access.h"

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

// The runtime's short names for common/json_access.h's readers.
namespace jsonr {

inline std::string Str(const boost::json::object& o, std::string_view k) { return GetString(o, k); }
inline int64_t Int(const boost::json::object& o, std::string_view k, int64_t def = 0) { return GetInt(o, k, def); }
inline bool Bool(const boost::json::object& o, std::string_view k) { return GetBool(o, k); }
inline const boost::json::object* Obj(const boost::json::object& o, std::string_view k) { return GetObject(o, k); }
inline const boost::json::array* Arr(const boost::json::object& o, std::string_view k) { return GetArray(o, k); }

}  // namespace jsonr
}  // namespace fargo::runtime
