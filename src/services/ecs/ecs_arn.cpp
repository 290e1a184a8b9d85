#include "services/ecs/ecs_arn.h"

#include <cstdio>
#include <vector>

namespace fargo::services::ecs {
namespace {

std::string Prefix(const std::string& region, const std::string& account) {
  return "arn:aws:ecs:" + region + ":" + account + ":";
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string ClusterArn(const std::string& region, const std::string& account, const std::string& name) {
  return Prefix(region, account) + "cluster/" + name;
}

std::string ServiceArn(const std::string& region, const std::string& account, const std::string& cluster,
                       const std::string& name) {
  return Prefix(region, account) + "service/" + cluster + "/" + name;
}

std::string TaskDefinitionArn(const std::string& region, const std::string& account,
                              const std::string& family, int64_t revision) {
  return Prefix(region, account) + "task-definition/" + family + ":" + std::to_string(revision);
}

std::string TaskArn(const std::string& region, const std::string& account, const std::string& cluster,
                    const std::string& id) {
  return Prefix(region, account) + "task/" + cluster + "/" + id;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<ResourceArn> ParseResourceArn(const std::string& arn) {
  auto parts = Split(arn, ':');
  if (parts.size() < 6 || parts[0] != "arn" || parts[2] != "ecs") return std::nullopt;
  // The resource part may itself contain ':' (task-definition/FAMILY:REV).
  size_t res_start = 0;
  for (int i = 0; i < 5; ++i) res_start = arn.find(':', res_start) + 1;
  std::string resource = arn.substr(res_start);
  size_t slash = resource.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= resource.size()) return std::nullopt;
  return ResourceArn{parts[3], parts[4], resource.substr(0, slash), resource.substr(slash + 1)};
}

std::string ClusterNameOf(const std::string& id) {
  if (id.empty()) return "default";
  if (id.rfind("arn:", 0) == 0) {
    auto r = ParseResourceArn(id);
    if (r && r->kind == "cluster") return r->path;
  }
  return id;
}

ServiceId ParseServiceId(const std::string& id) {
  if (id.rfind("arn:", 0) == 0) {
    auto r = ParseResourceArn(id);
    if (r && r->kind == "service") {
      size_t slash = r->path.find('/');
      if (slash == std::string::npos) return {"", r->path};
      return {r->path.substr(0, slash), r->path.substr(slash + 1)};
    }
  }
  return {"", id};
}

std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(const std::string& ref) {
  std::string body = ref;
  if (ref.rfind("arn:", 0) == 0) {
    auto r = ParseResourceArn(ref);
    if (!r || r->kind != "task-definition") return std::nullopt;
    body = r->path;
  }
  TaskDefinitionRef out;
  size_t colon = body.rfind(':');
  if (colon == std::string::npos) {
    out.family = body;
  } else {
    std::string rev = body.substr(colon + 1);
    if (!AllDigits(rev)) return std::nullopt;
    out.family = body.substr(0, colon);
    out.revision = std::stoll(rev);
    if (out.revision <= 0) return std::nullopt;
  }
  if (!ValidName(out.family)) return std::nullopt;
  return out;
}

std::string DeploymentId(const std::string& hex16) {
  uint64_t v = 0;
  for (char c : hex16) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint64_t>(c - 'a' + 10);
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%019llu", static_cast<unsigned long long>(v % 10000000000000000000ULL));
  return std::string("ecs-svc/") + buf;
}

}  // namespace fargo::services::ecs
