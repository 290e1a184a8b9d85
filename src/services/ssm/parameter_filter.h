// ParameterFilter: one of the filters DescribeParameters (Filters and
// ParameterFilters) and GetParametersByPath (ParameterFilters) take, checked
// with AWS's InvalidFilterKey / InvalidFilterOption / InvalidFilterValue
// rules, and matched against a parameter version.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/ssm/parameter.h"

namespace fargo::services::ssm {

class ParameterFilter {
 public:
  enum class For { kDescribe, kByPath };

  // The ParameterFilters of a request (absent: none).
  static Result<std::vector<ParameterFilter>> FromStringFilters(const boost::json::array* filters, For use);
  // DescribeParameters' older Filters (Name, Type, KeyId).
  static Result<std::vector<ParameterFilter>> FromLegacyFilters(const boost::json::array* filters);

  // Whether version `v` of `p` passes.
  bool Matches(const Parameter& p, const ParameterVersion& v) const;
  const std::string& key() const { return key_; }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::string key_, option_;
  std::vector<std::string> values_;
};

}  // namespace fargo::services::ssm
