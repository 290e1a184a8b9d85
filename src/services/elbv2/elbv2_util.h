// Small helpers shared by the ELBv2 handler files.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/pager.h"
#include "common/result.h"
#include "services/service.h"
#include "store/collection.h"

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

// Checks that every forward target of `actions` is compatible with a
// listener of `protocol` on a load balancer of `lb_type` (IncompatibleProtocols).
// elbv2_listeners.cpp.
Status CheckCompatible(const store::Collection& tgs, const std::string& region, const std::string& lb_type,
                       const std::string& protocol, const json::array& actions);

// The target group ARNs the forward actions of `actions` name.
inline std::vector<std::string> ForwardedGroups(const json::array& actions) {
  std::vector<std::string> out;
  auto add = [&out](std::string arn) {
    if (!arn.empty() && std::find(out.begin(), out.end(), arn) == out.end()) out.push_back(std::move(arn));
  };
  for (const auto& a : actions) {
    if (!a.is_object()) continue;
    const auto& ao = a.as_object();
    add(GetString(ao, "TargetGroupArn"));
    if (auto* fc = GetObject(ao, "ForwardConfig"))
      if (auto* groups = GetArray(*fc, "TargetGroups"))
        for (const auto& g : *groups)
          if (g.is_object()) add(GetString(g.as_object(), "TargetGroupArn"));
  }
  return out;
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
