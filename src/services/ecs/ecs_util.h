// Small helpers shared by the ECS handlers: errors, tags and pagination.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::ecs {

namespace json = boost::json;

inline AwsError ClientError(const std::string& msg) { return AwsError::Make("ClientException", msg); }
inline AwsError InvalidParameter(const std::string& msg) {
  return AwsError::Make("InvalidParameterException", msg);
}
inline AwsError ClusterNotFound() { return AwsError::Make("ClusterNotFoundException", "Cluster not found."); }
inline AwsError ServiceNotFound() { return AwsError::Make("ServiceNotFoundException", "Service not found."); }
inline AwsError ServiceNotActive() {
  return AwsError::Make("ServiceNotActiveException", "Service was not ACTIVE.");
}

// True when the request's "include" list names `field` (TAGS, SETTINGS, ...).
bool Includes(const json::object& in, std::string_view field);
// A number member; nullopt when it is absent or not a number.
std::optional<double> NumberOf(const json::object& o, std::string_view k);
// The strings of a list (others skipped); empty for null.
std::vector<std::string> StringsOf(const json::array* a);

// Checks a tag list (at most 50, keys not reserved).
Status ValidateTags(const json::array& tags);
// `current` with `add` merged in (same key -> new value), order kept.
json::array MergeTags(const json::array& current, const json::array& add);
// `current` without the given keys.
json::array RemoveTags(const json::array& current, const json::array& keys);

// One page of `items` from the offset `token` encodes ("" = start).
struct Page {
  std::vector<std::string> items;
  std::string next_token;  // empty at the end
};
Result<Page> Paginate(const std::vector<std::string>& items, const std::string& token, int64_t max_results,
                      int64_t default_max, int64_t limit);

}  // namespace fargo::services::ecs
