#include "services/ssm/parameter_filter.h"

#include <algorithm>
#include <set>

#include "common/json_access.h"
#include "common/strings.h"

namespace fargo::services::ssm {

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool OneOf(const std::string& s, const std::vector<std::string>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// The parameter's path: everything before the last '/' ("/" for "/a").
std::string ParentPath(const std::string& name) {
  auto slash = name.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : name.substr(0, slash);
}

}  // namespace

Result<std::vector<ParameterFilter>> ParameterFilter::FromStringFilters(const boost::json::array* filters, For use) {
  std::vector<ParameterFilter> out;
  if (!filters) return out;
  const std::vector<std::string> keys = use == For::kDescribe
                                            ? std::vector<std::string>{"Path", "Name", "Type", "KeyId", "Tier", "DataType"}
                                            : std::vector<std::string>{"Type", "KeyId", "Label"};
  std::set<std::string> seen;
  for (const auto& fv : *filters) {
    if (!fv.is_object()) continue;
    const auto& f = fv.as_object();
    ParameterFilter pf;
    pf.key_ = GetString(f, "Key");
    bool tag = StartsWith(pf.key_, "tag:");
    if (!tag && !OneOf(pf.key_, keys))
      return AwsError::Make("InvalidFilterKey", "The following filter key is not valid: " + pf.key_ +
                                                    ". Valid filter keys include: [" + Join(keys) + "].");
    if (!seen.insert(pf.key_).second)
      return AwsError::Make("ValidationException", "The following filter is duplicated in the request: " + pf.key_ +
                                                       ". A request can contain only one occurrence of a specific filter.");
    if (const auto* vals = GetArray(f, "Values"))
      for (const auto& v : *vals)
        if (v.is_string()) pf.values_.emplace_back(v.as_string());
    std::vector<std::string> options;
    if (pf.key_ == "Path") {
      options = {"Recursive", "OneLevel"};
      pf.option_ = GetString(f, "Option", "OneLevel");
    } else if (pf.key_ == "Name") {
      options = {"BeginsWith", "Equals", "Contains"};
      pf.option_ = GetString(f, "Option", "Equals");
    } else {
      options = {"Equals"};
      pf.option_ = GetString(f, "Option", "Equals");
    }
    if (!OneOf(pf.option_, options))
      return AwsError::Make("InvalidFilterOption", "The following filter option is not valid: " + pf.option_ +
                                                       ". Valid options include: [" + Join(options) + "].");
    if (pf.values_.empty() && !tag)
      return AwsError::Make("InvalidFilterValue", "The following filter values are missing : null for filter key " +
                                                      pf.key_ + ".");
    std::vector<std::string> allowed;
    if (pf.key_ == "Type") allowed = {"String", "StringList", "SecureString"};
    if (pf.key_ == "Tier") allowed = {"Standard", "Advanced", "Intelligent-Tiering"};
    if (pf.key_ == "DataType") allowed = {"text", "aws:ec2:image", "aws:ssm:integration"};
    for (const auto& v : pf.values_) {
      if (!allowed.empty() && !OneOf(v, allowed))
        return AwsError::Make("InvalidFilterValue", "The following filter value is not valid: " + v +
                                                        ". Valid values include: [" + Join(allowed) + "].");
      if (pf.key_ == "Path" && !StartsWith(v, "/"))
        return AwsError::Make("InvalidFilterValue", "The parameter doesn't meet the parameter name requirements. "
                                                    "The parameter name must begin with a forward slash \"/\".");
    }
    out.push_back(std::move(pf));
  }
  return out;
}

Result<std::vector<ParameterFilter>> ParameterFilter::FromLegacyFilters(const boost::json::array* filters) {
  std::vector<ParameterFilter> out;
  if (!filters) return out;
  for (const auto& fv : *filters) {
    if (!fv.is_object()) continue;
    const auto& f = fv.as_object();
    ParameterFilter pf;
    pf.key_ = GetString(f, "Key");  // an enum of the model: Name, Type, KeyId
    pf.option_ = pf.key_ == "Name" ? "BeginsWith" : "Equals";
    if (const auto* vals = GetArray(f, "Values"))
      for (const auto& v : *vals)
        if (v.is_string()) pf.values_.emplace_back(v.as_string());
    out.push_back(std::move(pf));
  }
  return out;
}

bool ParameterFilter::Matches(const Parameter& p, const ParameterVersion& v) const {
  if (StartsWith(key_, "tag:")) {
    std::string tag = key_.substr(4);
    for (const auto& [k, val] : p.tags)
      if (k == tag) return values_.empty() || OneOf(val, values_);
    return false;
  }
  auto any = [this](const std::string& s) { return OneOf(s, values_); };
  if (key_ == "Type") return any(v.type);
  if (key_ == "KeyId") return v.type == "SecureString" && any(v.key_id);
  if (key_ == "Tier") return any(v.tier);
  if (key_ == "DataType") return any(v.data_type);
  if (key_ == "Label") {
    for (const auto& l : v.labels)
      if (any(l)) return true;
    return false;
  }
  if (key_ == "Name") {
    for (const auto& val : values_) {
      // Names match with or without their leading slash, as AWS does.
      std::string want = StartsWith(val, "/") || !StartsWith(p.name, "/") ? val : "/" + val;
      if (option_ == "Equals" && p.name == want) return true;
      if (option_ == "BeginsWith" && StartsWith(p.name, want)) return true;
      if (option_ == "Contains" && p.name.find(val) != std::string::npos) return true;
    }
    return false;
  }
  if (key_ == "Path") {
    std::string parent = ParentPath(p.name);
    for (const auto& val : values_) {
      std::string path = val.size() > 1 && EndsWith(val, "/") ? val.substr(0, val.size() - 1) : val;
      if (parent == path) return true;
      if (option_ == "Recursive" && StartsWith(parent, path == "/" ? "/" : path + "/")) return true;
    }
    return false;
  }
  return true;
}

}  // namespace fargo::services::ssm
