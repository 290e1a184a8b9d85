// The AWS managed policies fargo knows: arn:aws:iam::aws:policy{path}{name}.
// They exist in every account, can be read and attached, never changed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fargo::services::iam {

struct AwsManagedPolicy {
  std::string name;
  std::string path;
  std::string id;          // stable "ANPA..." id
  std::string document;    // the default version's document
  std::string description;
  double create_date = 0;  // epoch seconds
  std::string Arn() const { return "arn:aws:iam::aws:policy" + path + name; }
};

// All of them, sorted by ARN.
const std::vector<AwsManagedPolicy>& AwsManagedPolicies();

// The policy with this ARN, or nullptr.
const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn);

}  // namespace fargo::services::iam
