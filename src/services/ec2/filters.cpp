#include "services/ec2/filters.h"

#include "common/strings.h"

namespace fargo::services::ec2 {

namespace json = boost::json;

namespace {

bool IsTagFilter(const std::string& name) {
  return StartsWith(name, "tag:") || name == "tag-key" || name == "tag-value";
}

bool ValueMatches(const std::string& pattern, const std::string& value) {
  if (value == "true" || value == "false") return ToLower(pattern) == value;
  return GlobMatch(pattern, value);
}

}  // namespace

Result<std::vector<Filter>> ParseFilters(const json::object& in, const std::set<std::string>& known) {
  std::vector<Filter> out;
  auto* list = in.if_contains("Filters");
  if (!list || !list->is_array()) return out;
  for (const auto& f : list->as_array()) {
    if (!f.is_object()) continue;
    Filter filter;
    if (auto* n = f.as_object().if_contains("Name"); n && n->is_string()) filter.name = n->as_string();
    if (!IsTagFilter(filter.name) && !known.count(filter.name))
      return AwsError::Make("InvalidParameterValue", "The filter '" + filter.name + "' is invalid");
    if (auto* vs = f.as_object().if_contains("Values"); vs && vs->is_array())
      for (const auto& v : vs->as_array())
        if (v.is_string()) filter.values.emplace_back(v.as_string());
    out.push_back(std::move(filter));
  }
  return out;
}

bool Matches(const std::vector<Filter>& filters, const FilterFields& fields) {
  for (const auto& f : filters) {
    if (f.values.empty()) continue;
    bool any = false;
    auto [lo, hi] = fields.equal_range(f.name);
    for (auto it = lo; it != hi && !any; ++it)
      for (const auto& pattern : f.values)
        if (ValueMatches(pattern, it->second)) {
          any = true;
          break;
        }
    if (!any) return false;
  }
  return true;
}

void AddTagFields(const json::value* tags, FilterFields& out) {
  if (!tags || !tags->is_array()) return;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    const auto& o = t.as_object();
    std::string key, value;
    if (auto* k = o.if_contains("Key"); k && k->is_string()) key = k->as_string();
    if (auto* v = o.if_contains("Value"); v && v->is_string()) value = v->as_string();
    out.emplace("tag:" + key, value);
    out.emplace("tag-key", key);
    out.emplace("tag-value", value);
  }
}

}  // namespace fargo::services::ec2
