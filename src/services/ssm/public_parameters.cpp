#include "services/ssm/public_parameters.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/json_access.h"
#include "common/strings.h"

// data/aws-public-parameters.json, linked in by this folder's CMakeLists.txt.
extern "C" const char fargo_ssm_public_parameters_begin[];
extern "C" const char fargo_ssm_public_parameters_end[];

namespace fargo::services::ssm {

namespace json = boost::json;

namespace {

AwsError Bad(const std::string& what) {
  return AwsError::Make("InternalFailure", "aws-public-parameters.json: " + what, 500);
}

// A JSON member's text as a template: strings as they are, others serialized.
std::string MemberText(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

}  // namespace

Result<PublicParameters> PublicParameters::Parse(std::string_view json_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec || !doc.is_object()) return Bad("not a JSON object");
  const json::object& root = doc.as_object();
  PublicParameters out;
  if (const json::object* vars = GetObject(root, "vars"))
    for (const auto& [name, per_region] : *vars) {
      if (!per_region.is_object()) return Bad("vars." + std::string(name) + " is not an object");
      for (const auto& [region, value] : per_region.as_object())
        out.vars_[std::string(name)][std::string(region)] = MemberText(value);
    }
  if (const json::object* images = GetObject(root, "images"))
    for (const auto& [key, v] : *images) {
      if (!v.is_object()) return Bad("images." + std::string(key) + " is not an object");
      const json::object& o = v.as_object();
      PublicImage img{std::string(key), GetString(o, "name"), GetString(o, "architecture"), GetString(o, "owner"),
                      GetString(o, "description"), ParseTimestamp(GetString(o, "created")).value_or(0), {}};
      if (const json::object* ids = GetObject(o, "ids"))
        for (const auto& [region, id] : *ids) img.ids[std::string(region)] = MemberText(id);
      out.images_.emplace(img.key, std::move(img));
    }
  const json::array* params = GetArray(root, "parameters");
  if (!params) return Bad("no parameters");
  for (const auto& v : *params) {
    if (!v.is_object()) return Bad("a parameter is not an object");
    const json::object& o = v.as_object();
    std::string name = GetString(o, "name");
    if (!StartsWith(name, "/aws/")) return Bad("parameter " + name + " is not under /aws/");
    auto modified = ParseTimestamp(GetString(o, "modified"));
    if (!modified) return Bad("parameter " + name + " has no modified date");
    Entry e{GetString(o, "value"), GetInt(o, "version", 1), *modified};
    if (GetBool(o, "children")) {
      boost::system::error_code jec;
      json::value members = json::parse(e.value, jec);
      if (jec || !members.is_object()) return Bad("parameter " + name + " has children but no JSON object value");
      for (const auto& [k, mv] : members.as_object())
        out.entries_[name + "/" + std::string(k)] = Entry{MemberText(mv), e.version, e.modified};
    }
    out.entries_[name] = std::move(e);
  }
  // Every template must render somewhere: a typo is a build defect, caught by the tests.
  for (const auto& [name, e] : out.entries_)
    if (!out.Render("us-east-1", e.value)) return Bad("parameter " + name + " does not render in us-east-1");
  return out;
}

const PublicParameters& PublicParameters::Embedded() {
  static const PublicParameters kList = [] {
    auto r = Parse(std::string_view(fargo_ssm_public_parameters_begin,
                                    static_cast<size_t>(fargo_ssm_public_parameters_end -
                                                        fargo_ssm_public_parameters_begin)));
    if (!r.ok()) {
      std::fprintf(stderr, "fargo: %s\n", r.error().message.c_str());
      std::abort();
    }
    return std::move(r).value();
  }();
  return kList;
}

std::optional<std::string> PublicParameters::Render(const std::string& region, const std::string& tmpl) const {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    if (open == std::string::npos) break;
    size_t close = tmpl.find('}', open);
    if (close == std::string::npos) break;
    std::string ref = tmpl.substr(open + 1, close - open - 1);
    std::optional<std::string> value;
    auto colon = ref.find(':');
    std::string kind = ref.substr(0, colon), arg = colon == std::string::npos ? "" : ref.substr(colon + 1);
    if (ref == "region") {
      value = region;
    } else if (kind == "image" || kind == "image_name") {
      auto it = images_.find(arg);
      if (it == images_.end()) return std::nullopt;
      auto id = it->second.ids.find(region);
      if (id == it->second.ids.end()) return std::nullopt;  // not in this region
      value = kind == "image" ? id->second : it->second.name;
    } else if (kind == "var") {
      auto it = vars_.find(arg);
      if (it == vars_.end()) return std::nullopt;
      auto r = it->second.find(region);
      if (r == it->second.end()) r = it->second.find("default");
      if (r == it->second.end()) return std::nullopt;
      value = r->second;
    }
    if (!value) {  // not a reference: literal text (JSON values have braces)
      out.append(tmpl, i, open + 1 - i);
      i = open + 1;
      continue;
    }
    out.append(tmpl, i, open - i);
    out += *value;
    i = close + 1;
  }
  out.append(tmpl, i, std::string::npos);
  return out;
}

std::optional<PublicParameter> PublicParameters::Find(const std::string& region, const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  auto value = Render(region, it->second.value);
  if (!value) return std::nullopt;
  return PublicParameter{name, *value, it->second.version, it->second.modified};
}

std::vector<PublicParameter> PublicParameters::Under(const std::string& region, const std::string& path,
                                                     bool recursive) const {
  std::string prefix = EndsWith(path, "/") ? path : path + "/";
  std::vector<PublicParameter> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && StartsWith(it->first, prefix); ++it) {
    if (!recursive && it->first.find('/', prefix.size()) != std::string::npos) continue;
    if (auto p = Find(region, it->first)) out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace fargo::services::ssm
