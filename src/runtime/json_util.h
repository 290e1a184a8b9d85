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

}  // namespace fargo::runtime
