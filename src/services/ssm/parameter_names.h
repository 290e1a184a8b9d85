// Parameter Store's rules for names, paths, selectors and labels, with the
// errors AWS answers when they are broken.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace fargo::services::ssm {

constexpr int kMaxHierarchyLevels = 15;
constexpr size_t kMaxNameWithArn = 1011;  // a name's length counts its full ARN

// The ARN of parameter `name` ("arn:aws:ssm:<region>:<account>:parameter/<name>",
// one slash whatever the name starts with). Public parameters have no account.
std::string ParameterArn(const std::string& region, const std::string& account, const std::string& name);

// True for names under AWS's reserved "/aws/" (public parameters).
bool IsPublicName(const std::string& name);

// A name PutParameter may create: characters, "aws"/"ssm" prefixes, fully
// qualified hierarchies, at most 15 levels, the ARN length; the reserved
// /aws/ tree is refused as AWS refuses it.
Status ValidateNewName(const std::string& name, const std::string& region, const std::string& account);

// A name a read may look up (the same characters; no creation rules).
Status ValidateLookupName(const std::string& name);

// A path for GetParametersByPath: "/" or "/a/b" (a trailing slash allowed).
Status ValidatePath(const std::string& path);

// "name:3" or "name:label", as GetParameter(s) take them.
struct Selector {
  std::string name;
  std::string selector;                 // "" when none; else what followed the ':'
  std::optional<int64_t> version;       // when the selector is a number
};
Result<Selector> ParseSelector(const std::string& text);

// LabelParameterVersion's rules: up to 100 letters, digits, '.', '-', '_',
// not starting with a digit, "aws" or "ssm".
bool IsValidLabel(const std::string& label);

}  // namespace fargo::services::ssm
