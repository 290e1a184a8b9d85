#include "services/ssm/parameter.h"

#include <algorithm>

#include "common/json_access.h"

namespace fargo::services::ssm {

ParameterVersion* Parameter::FindVersion(int64_t version) {
  for (auto& v : versions)
    if (v.version == version) return &v;
  return nullptr;
}

ParameterVersion* Parameter::FindLabel(const std::string& label) {
  for (auto& v : versions)
    if (std::find(v.labels.begin(), v.labels.end(), label) != v.labels.end()) return &v;
  return nullptr;
}

json::object ToStored(const Parameter& p) {
  json::array versions;
  for (const auto& v : p.versions) {
    json::array labels;
    for (const auto& l : v.labels) labels.emplace_back(l);
    versions.emplace_back(json::object{{"version", v.version},
                                       {"type", v.type},
                                       {"value", v.value},
                                       {"key_id", v.key_id},
                                       {"description", v.description},
                                       {"allowed_pattern", v.allowed_pattern},
                                       {"tier", v.tier},
                                       {"data_type", v.data_type},
                                       {"policies", v.policies},
                                       {"last_modified", v.last_modified},
                                       {"last_modified_user", v.last_modified_user},
                                       {"labels", std::move(labels)}});
  }
  json::array tags;
  for (const auto& [k, v] : p.tags) tags.emplace_back(json::array{json::string(k), json::string(v)});
  return json::object{{"name", p.name}, {"versions", std::move(versions)}, {"tags", std::move(tags)}};
}

Parameter ParameterFromStored(const json::object& doc) {
  Parameter p;
  p.name = GetString(doc, "name");
  if (const json::array* vs = GetArray(doc, "versions")) {
    for (const auto& x : *vs) {
      if (!x.is_object()) continue;
      const json::object& o = x.as_object();
      ParameterVersion v;
      v.version = GetInt(o, "version");
      v.type = GetString(o, "type", "String");
      v.value = GetString(o, "value");
      v.key_id = GetString(o, "key_id");
      v.description = GetString(o, "description");
      v.allowed_pattern = GetString(o, "allowed_pattern");
      v.tier = GetString(o, "tier", "Standard");
      v.data_type = GetString(o, "data_type", "text");
      v.policies = GetString(o, "policies");
      if (const auto* lm = o.if_contains("last_modified"); lm && lm->is_number()) v.last_modified = lm->to_number<double>();
      v.last_modified_user = GetString(o, "last_modified_user");
      if (const json::array* ls = GetArray(o, "labels"))
        for (const auto& l : *ls)
          if (l.is_string()) v.labels.emplace_back(l.as_string());
      p.versions.push_back(std::move(v));
    }
  }
  if (const json::array* ts = GetArray(doc, "tags"))
    for (const auto& t : *ts)
      if (t.is_array() && t.as_array().size() == 2 && t.as_array()[0].is_string() && t.as_array()[1].is_string())
        p.tags.emplace_back(std::string(t.as_array()[0].as_string()), std::string(t.as_array()[1].as_string()));
  return p;
}

}  // namespace fargo::services::ssm
