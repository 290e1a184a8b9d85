#include "services/ssm/parameter_names.h"

#include <cctype>

#include "common/strings.h"

namespace fargo::services::ssm {

namespace {

AwsError Validation(std::string message) { return AwsError::Make("ValidationException", std::move(message)); }

const char kBadName[] =
    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can "
    "consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the "
    "following 3 symbols .-_";

bool NameChar(unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/'; }

bool ValidChars(const std::string& name) {
  for (unsigned char c : name)
    if (!NameChar(c)) return false;
  return true;
}

}  // namespace

std::string ParameterArn(const std::string& region, const std::string& account, const std::string& name) {
  return "arn:aws:ssm:" + region + ":" + account + ":parameter" + (StartsWith(name, "/") ? "" : "/") + name;
}

bool IsPublicName(const std::string& name) { return StartsWith(ToLower(name), "/aws/"); }

Status ValidateLookupName(const std::string& name) {
  if (!ValidChars(name)) return Validation(kBadName);
  return OkStatus();
}

Status ValidateNewName(const std::string& name, const std::string& region, const std::string& account) {
  if (IsPublicName(name) || ToLower(name) == "/aws")
    return AwsError::Make("AccessDeniedException", "No access to reserved parameter name: " + name + ".");
  if (!ValidChars(name)) return Validation(kBadName);
  bool path = name.find('/') != std::string::npos;
  if (path && name[0] != '/') return Validation("Parameter name must be a fully qualified name.");
  std::string first = ToLower(path ? name.substr(1) : name);
  if (StartsWith(first, "aws") || StartsWith(first, "ssm")) return Validation(kBadName);
  if (path && (EndsWith(name, "/") || name.find("//") != std::string::npos)) return Validation(kBadName);
  int levels = 0;
  for (char c : name) levels += c == '/';
  if (levels > kMaxHierarchyLevels)
    return AwsError::Make("HierarchyLevelLimitExceededException",
                          "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
                          "constraints for parameter names in the AWS Systems Manager User Guide.");
  if (ParameterArn(region, account, name).size() > kMaxNameWithArn)
    return Validation("Parameter name: exceeds the maximum length of " + std::to_string(kMaxNameWithArn) +
                      " characters, counted with its full ARN.");
  return OkStatus();
}

Status ValidatePath(const std::string& path) {
  if (path.empty() || path[0] != '/' || !ValidChars(path) || path.find("//") != std::string::npos)
    return Validation(
        "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward "
        "slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, "
        "numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not "
        "allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: "
        "/get/parameters2-/by1./path0_.");
  int levels = 0;
  for (char c : path) levels += c == '/';
  if (levels > kMaxHierarchyLevels + 1)
    return AwsError::Make("HierarchyLevelLimitExceededException",
                          "A hierarchy can have a maximum of 15 levels.");
  return OkStatus();
}

Result<Selector> ParseSelector(const std::string& text) {
  Selector s;
  auto colon = text.find(':');
  s.name = text.substr(0, colon);
  if (colon == std::string::npos) return s;
  s.selector = text.substr(colon + 1);
  if (s.selector.empty() || s.selector.find(':') != std::string::npos)
    return Validation("Invalid parameter selector: " + text + ".");
  bool digits = s.selector.size() <= 18;
  for (unsigned char c : s.selector) digits = digits && std::isdigit(c);
  if (digits) s.version = std::stoll(s.selector);
  return s;
}

bool IsValidLabel(const std::string& label) {
  if (label.empty() || label.size() > 100) return false;
  if (std::isdigit(static_cast<unsigned char>(label[0]))) return false;
  std::string lower = ToLower(label);
  if (StartsWith(lower, "aws") || StartsWith(lower, "ssm")) return false;
  for (unsigned char c : label)
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') return false;
  return true;
}

}  // namespace fargo::services::ssm
