#include "services/iam/iam_util.h"

#include <cctype>
#include <cstdio>

#include "common/strings.h"

namespace fargo::services::iam {

namespace {

AwsError PatternError(std::string_view value, std::string_view member, std::string_view pattern) {
  return AwsError::Make("ValidationError",
                        "1 validation error detected: Value '" + std::string(value) + "' at '" +
                            std::string(member) +
                            "' failed to satisfy constraint: Member must satisfy regular expression "
                            "pattern: " +
                            std::string(pattern));
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

bool IsPrintable(char c, bool allow_del) {
  unsigned char u = static_cast<unsigned char>(c);
  return (u >= 0x21 && u <= 0x7E) || (allow_del && u == 0x7F);
}

}  // namespace

Status ValidateName(std::string_view value, std::string_view member) {
  bool ok = !value.empty();
  for (char c : value) ok &= IsNameChar(c);
  if (!ok) return PatternError(value, member, "[\\w+=,.@-]+");
  return OkStatus();
}

Status ValidatePath(std::string_view value, std::string_view member) {
  bool ok = value == "/";
  if (!ok && value.size() >= 3 && value.front() == '/' && value.back() == '/') {
    ok = true;
    for (char c : value) ok &= IsPrintable(c, false);
  }
  if (!ok) return PatternError(value, member, "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
  return OkStatus();
}

Status ValidatePolicyPath(std::string_view value, std::string_view member) {
  // Segments of name characters, each preceded by '/', then a final '/'.
  bool ok = !value.empty() && value.front() == '/' && value.back() == '/';
  for (size_t i = 0; ok && i + 1 < value.size(); ++i) {
    char c = value[i];
    if (c == '/') {
      ok = value[i + 1] != '/';
    } else {
      ok = IsNameChar(c);
    }
  }
  if (!ok) return PatternError(value, member, "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/");
  return OkStatus();
}

Status ValidatePathPrefix(std::string_view value, std::string_view member) {
  bool ok = !value.empty() && value.front() == '/';
  for (char c : value) ok &= IsPrintable(c, true);
  if (!ok) return PatternError(value, member, "\\u002F[\\u0021-\\u007F]*");
  return OkStatus();
}

Status ValidatePolicyDocument(std::string_view document) {
  boost::system::error_code ec;
  json::value v = json::parse(document, ec);
  if (ec) return AwsError::Make("MalformedPolicyDocument", "This policy contains invalid Json");
  if (!v.is_object()) return AwsError::Make("MalformedPolicyDocument", "Syntax errors in policy.");
  return OkStatus();
}

std::string EncodeDocument(std::string_view document) { return UrlEncode(document); }

std::string MakeArn(std::string_view account, std::string_view kind, std::string_view path,
                    std::string_view name) {
  return "arn:aws:iam::" + std::string(account) + ":" + std::string(kind) + std::string(path) +
         std::string(name);
}

std::optional<ArnParts> ParseArn(std::string_view arn, std::string_view kind) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!StartsWith(arn, kPrefix)) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  ArnParts parts;
  parts.account = std::string(rest.substr(0, colon));
  rest = rest.substr(colon + 1);
  if (!StartsWith(rest, kind)) return std::nullopt;
  rest = rest.substr(kind.size());
  if (rest.empty() || rest.front() != '/') return std::nullopt;
  size_t slash = rest.rfind('/');
  parts.path = std::string(rest.substr(0, slash + 1));
  parts.name = std::string(rest.substr(slash + 1));
  if (parts.name.empty()) return std::nullopt;
  return parts;
}

json::array MergeTags(const json::array& tags, const json::array& added) {
  json::array out = tags;
  for (const auto& t : added) {
    if (!t.is_object()) continue;
    const auto* key = t.as_object().if_contains("Key");
    if (!key || !key->is_string()) continue;
    bool replaced = false;
    for (auto& e : out) {
      auto& eo = e.as_object();
      if (ToLower(eo["Key"].as_string()) == ToLower(key->as_string())) {
        eo = t.as_object();
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(t);
  }
  return out;
}

json::array RemoveTags(const json::array& tags, const json::array& keys) {
  json::array out;
  for (const auto& t : tags) {
    const auto* key = t.as_object().if_contains("Key");
    bool drop = false;
    for (const auto& k : keys)
      drop |= k.is_string() && key && key->is_string() &&
              ToLower(k.as_string()) == ToLower(key->as_string());
    if (!drop) out.push_back(t);
  }
  return out;
}

Status CheckDuplicateTagKeys(const json::array& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    for (size_t j = i + 1; j < tags.size(); ++j) {
      const auto* a = tags[i].as_object().if_contains("Key");
      const auto* b = tags[j].as_object().if_contains("Key");
      if (a && b && a->is_string() && b->is_string() &&
          ToLower(a->as_string()) == ToLower(b->as_string()))
        return AwsError::Make("InvalidInput",
                              "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
  }
  return OkStatus();
}

Page Paginate(const std::vector<std::pair<std::string, json::value>>& items, std::string_view marker,
              int64_t max_items) {
  Page page;
  if (max_items <= 0) max_items = 100;
  size_t i = 0;
  if (!marker.empty()) {
    while (i < items.size() && items[i].first < marker) ++i;
  }
  for (; i < items.size(); ++i) {
    if (static_cast<int64_t>(page.items.size()) == max_items) {
      page.truncated = true;
      page.marker = items[i].first;
      break;
    }
    page.items.push_back(items[i].second);
  }
  return page;
}

json::array TagsOf(const json::object& doc) {
  const auto* t = doc.if_contains("Tags");
  return t && t->is_array() ? t->as_array() : json::array();
}

Status ApplyTags(json::object& doc, const json::array* add, const json::array* remove) {
  constexpr size_t kMaxTags = 50;
  json::array tags = TagsOf(doc);
  if (add) {
    FARGO_TRY(CheckDuplicateTagKeys(*add));
    tags = MergeTags(tags, *add);
  }
  if (remove) tags = RemoveTags(tags, *remove);
  if (tags.size() > kMaxTags)
    return AwsError::Make("LimitExceeded", "The number of tags has reached the maximum limit.", 409);
  doc["Tags"] = std::move(tags);
  return OkStatus();
}

std::vector<std::pair<std::string, json::value>> TagItems(const json::array& tags) {
  std::vector<std::pair<std::string, json::value>> items;
  for (size_t i = 0; i < tags.size(); ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "%06zu", i);
    items.emplace_back(key, tags[i]);
  }
  return items;
}

void PageInto(json::object& out, const char* member,
              const std::vector<std::pair<std::string, json::value>>& items, const json::object& in) {
  std::string marker;
  int64_t max_items = 100;
  if (const auto* m = in.if_contains("Marker"); m && m->is_string()) marker = m->as_string();
  if (const auto* m = in.if_contains("MaxItems"); m && m->is_number()) max_items = m->to_number<int64_t>();
  Page page = Paginate(items, marker, max_items);
  out[member] = std::move(page.items);
  out["IsTruncated"] = page.truncated;
  if (page.truncated) out["Marker"] = page.marker;
}

}  // namespace fargo::services::iam
