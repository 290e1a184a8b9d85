// Pure helpers for IAM: name and path validation, ARNs, policy documents,
// tags and marker-based pagination. No state; unit-tested on their own.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::iam {

namespace json = boost::json;

// Names of roles, policies and instance profiles: one or more of [\w+=,.@-].
// `member` is the request member in AWS's lowerCamel form ("roleName").
Status ValidateName(std::string_view value, std::string_view member);

// Entity paths (roles, instance profiles): "/" or "/" + printable ASCII + "/".
Status ValidatePath(std::string_view value, std::string_view member);

// Managed policy paths: ((/[A-Za-z0-9.,+@=_-]+)*)/
Status ValidatePolicyPath(std::string_view value, std::string_view member);

// Path prefixes of list calls: "/" followed by printable ASCII.
Status ValidatePathPrefix(std::string_view value, std::string_view member);

// A policy document must be a JSON object; otherwise MalformedPolicyDocument.
Status ValidatePolicyDocument(std::string_view document);

// Policy documents leave IAM URL-encoded (RFC 3986), as AWS sends them.
std::string EncodeDocument(std::string_view document);

// "arn:aws:iam::ACCOUNT:<kind><path><name>", kind is "role", "policy" or
// "instance-profile".
std::string MakeArn(std::string_view account, std::string_view kind, std::string_view path,
                    std::string_view name);

// The parts of an IAM ARN of `kind`; nullopt if `arn` is not one.
struct ArnParts {
  std::string account;  // "aws" for AWS managed policies
  std::string path;     // begins and ends with '/'
  std::string name;
};
std::optional<ArnParts> ParseArn(std::string_view arn, std::string_view kind);

// Tags: `tags` is a list of {Key, Value}. Merge replaces values of existing
// keys and appends new ones; Remove drops the listed keys.
json::array MergeTags(const json::array& tags, const json::array& added);
json::array RemoveTags(const json::array& tags, const json::array& keys);
// InvalidInput when two tags share a key (keys are case-insensitive).
Status CheckDuplicateTagKeys(const json::array& tags);

// The tags of an entity document (`doc["Tags"]`), empty if none.
json::array TagsOf(const json::object& doc);
// Validates and applies a tag change to `doc["Tags"]`: duplicate keys are
// InvalidInput, more than 50 tags LimitExceeded.
Status ApplyTags(json::object& doc, const json::array* add, const json::array* remove);

// One page of a keyed listing. `items` must be sorted by key; the marker is
// the key of the first item not yet returned, so pages stay correct while
// items come and go.
struct Page {
  json::array items;
  bool truncated = false;
  std::string marker;  // set when truncated
};
Page Paginate(const std::vector<std::pair<std::string, json::value>>& items,
              std::string_view marker, int64_t max_items);

// Tags as pageable items, in their stored order.
std::vector<std::pair<std::string, json::value>> TagItems(const json::array& tags);

// Pages `items` as the request `in` (Marker, MaxItems) asks, into
// out[member], out["IsTruncated"] and out["Marker"].
void PageInto(json::object& out, const char* member,
              const std::vector<std::pair<std::string, json::value>>& items, const json::object& in);

}  // namespace fargo::services::iam
