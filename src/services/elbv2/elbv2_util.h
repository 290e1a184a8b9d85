// Small helpers shared by the ELBv2 handler files.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/pager.h"
#include "common/result.h"
#include "services/service.h"

namespace fargo::services::elbv2 {

inline AwsError LoadBalancerNotFound() {
  return AwsError::Make("LoadBalancerNotFound", "One or more load balancers not found");
}
inline AwsError TargetGroupNotFound() {
  return AwsError::Make("TargetGroupNotFound", "One or more target groups not found");
}
inline AwsError ListenerNotFound() {
  return AwsError::Make("ListenerNotFound", "One or more listeners not found");
}

// The strings of a list member ([] if absent).
inline std::vector<std::string> Strings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (auto* a = GetArray(o, k))
    for (const auto& v : *a)
      if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

// [{Key, Value}] -> {Key: Value}, rejecting a key given twice.
inline Result<json::object> TagsFromList(const json::array* tags) {
  json::object out;
  if (!tags) return out;
  for (const auto& t : *tags) {
    if (!t.is_object()) continue;
    std::string k = GetString(t.as_object(), "Key");
    if (out.contains(k)) return AwsError::Make("DuplicateTagKeys", "Tag key '" + k + "' is duplicated");
    out[k] = GetString(t.as_object(), "Value");
  }
  if (out.size() > 50) return AwsError::Make("TooManyTags", "The quota for the number of tags has been reached");
  return out;
}

inline json::array TagsToList(const json::object& tags) {
  json::array out;
  for (const auto& kv : tags)
    out.push_back(json::object{{"Key", std::string(kv.key())},
                               {"Value", kv.value().is_string() ? std::string(kv.value().as_string()) : ""}});
  return out;
}

// One page of `items` from the opaque `marker` (an index); sets NextMarker.
// A marker fargo did not issue reads as the end of the list.
inline json::array Page(json::array items, const json::object& in, json::object& out) {
  std::string marker = GetString(in, "Marker");
  size_t start = marker.empty() ? 0 : ParsePageToken(marker).value_or(items.size());
  PageSpan span = PageAt(items.size(), start, static_cast<size_t>(GetInt(in, "PageSize", 400)));
  json::array page;
  for (size_t i = span.begin; i < span.end; ++i) page.push_back(items[i]);
  if (!span.next_token.empty()) out["NextMarker"] = span.next_token;
  return page;
}

}  // namespace fargo::services::elbv2
