#include "services/ecs/ecs_state.h"

#include <cstdio>

#include "services/ecs/ecs_arn.h"

namespace fargo::services::ecs {

std::string TaskDefKey(const std::string& region, const std::string& family, int64_t rev) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010lld", static_cast<long long>(rev));
  return store::Collection::Key(region, family + ":" + buf);
}

std::string TaskKeyOfArn(const std::string& arn) {
  auto r = ParseResourceArn(arn);
  if (!r || r->kind != "task") return "";
  if (r->path.find('/') == std::string::npos) return "";
  return store::Collection::Key(r->region, r->path);
}

}  // namespace fargo::services::ecs
