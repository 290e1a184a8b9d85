// EC2 Describe* filters: Filter.N.Name / Filter.N.Value.M as users write them.
//
// Semantics (as EC2): values of one filter are OR-ed, filters are AND-ed;
// values may use '*' and '?' wildcards; "tag:KEY", "tag-key" and "tag-value"
// apply to every taggable resource. An unknown filter name is an error.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::services::ec2 {

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

// A resource's values per filter name, e.g. {"vpc-id": "vpc-1", "tag:Name": "web"}.
// A name may carry several values (a security group's many CIDRs); the
// resource matches a filter if any of them matches any filter value.
using FilterFields = std::multimap<std::string, std::string>;

// Reads `Filters` from handler data. Names outside `known` (other than the
// tag filters) yield InvalidParameterValue "The filter 'x' is invalid".
Result<std::vector<Filter>> ParseFilters(const boost::json::object& in, const std::set<std::string>& known);

// true if `fields` satisfies every filter.
bool Matches(const std::vector<Filter>& filters, const FilterFields& fields);

// Adds "tag:KEY", "tag-key" and "tag-value" fields for a Tags list
// ([{"Key":..,"Value":..}]); `tags` may be null.
void AddTagFields(const boost::json::value* tags, FilterFields& out);

// "true"/"false" for boolean filter fields.
inline std::string BoolText(bool b) { return b ? "true" : "false"; }

}  // namespace fargo::services::ec2
