#include "services/ecs/ecs_util.h"

#include <set>

#include "common/pager.h"

namespace fargo::services::ecs {
namespace {
std::string TagKey(const json::value& t) {
  if (!t.is_object()) return "";
  auto* k = t.as_object().if_contains("key");
  return k && k->is_string() ? std::string(k->as_string()) : std::string();
}
}  // namespace

bool Includes(const json::object& in, std::string_view field) {
  auto* inc = in.if_contains("include");
  if (inc && inc->is_array())
    for (auto& v : inc->as_array())
      if (v.is_string() && v.as_string() == field) return true;
  return false;
}

std::optional<double> NumberOf(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

std::vector<std::string> StringsOf(const json::array* a) {
  std::vector<std::string> out;
  if (a)
    for (auto& v : *a)
      if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

Status ValidateTags(const json::array& tags) {
  if (tags.size() > 50) return InvalidParameter("The number of tags exceeds the limit of 50.");
  for (auto& t : tags) {
    std::string key = TagKey(t);
    if (key.empty()) return InvalidParameter("Tag keys must not be empty.");
    if (key.rfind("aws:", 0) == 0)
      return InvalidParameter("Tag keys with the prefix 'aws:' are reserved for AWS use.");
  }
  return OkStatus();
}

json::array MergeTags(const json::array& current, const json::array& add) {
  json::array out = current;
  for (auto& t : add) {
    std::string key = TagKey(t);
    bool replaced = false;
    for (auto& o : out) {
      if (TagKey(o) == key) {
        o = t;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(t);
  }
  return out;
}

json::array RemoveTags(const json::array& current, const json::array& keys) {
  std::set<std::string> drop;
  for (auto& k : keys)
    if (k.is_string()) drop.insert(std::string(k.as_string()));
  json::array out;
  for (auto& t : current)
    if (!drop.count(TagKey(t))) out.push_back(t);
  return out;
}

Result<Page> Paginate(const std::vector<std::string>& items, const std::string& token, int64_t max_results,
                      int64_t default_max, int64_t limit) {
  size_t start = 0;
  if (!token.empty()) {
    auto at = ParsePageToken(token);
    if (!at) return InvalidParameter("Invalid nextToken.");
    start = *at;
  }
  int64_t n = max_results > 0 ? max_results : default_max;
  if (n > limit) return InvalidParameter("maxResults must be between 1 and " + std::to_string(limit) + ".");
  PageSpan span = PageAt(items.size(), start, static_cast<size_t>(n));
  Page p;
  p.items.assign(items.begin() + static_cast<std::ptrdiff_t>(span.begin),
                 items.begin() + static_cast<std::ptrdiff_t>(span.end));
  p.next_token = std::move(span.next_token);
  return p;
}

}  // namespace fargo::services::ecs
