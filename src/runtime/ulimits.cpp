#include "runtime/ulimits.h"

#include <sys/resource.h>

#include <algorithm>

namespace fargo::runtime {
namespace {

struct Known {
  const char* name;
  int resource;
};

constexpr Known kKnown[] = {
    {"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},     {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},         {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

// Clamps v (where -1 is unlimited) to max (where -1 is unlimited).
int64_t ClampTo(int64_t v, int64_t max) {
  if (max < 0) return v;
  if (v < 0 || v > max) return max;
  return v;
}

}  // namespace

std::optional<int> RlimitResource(std::string_view name) {
  for (const auto& k : kKnown) {
    if (name == k.name) return k.resource;
  }
  return std::nullopt;
}

HostLimits HostLimits::Probe() {
  HostLimits h;
  for (const auto& k : kKnown) {
    struct rlimit rl {};
    if (getrlimit(k.resource, &rl) != 0) continue;
    h.hard[k.name] = rl.rlim_max == RLIM_INFINITY ? -1 : static_cast<int64_t>(rl.rlim_max);
  }
  int64_t& nproc = h.hard["nproc"];
  nproc = nproc < 0 ? kMaxNproc : std::min(nproc, kMaxNproc);
  return h;
}

int64_t HostLimits::Max(std::string_view name) const {
  auto it = hard.find(std::string(name));
  return it == hard.end() ? -1 : it->second;
}

std::vector<Ulimit> ClampUlimits(const std::vector<Ulimit>& requested, const HostLimits& host) {
  std::map<std::string, Ulimit> out;
  out["nofile"] = Ulimit{"nofile", kDefaultNofile, kDefaultNofile};
  out["nproc"] = Ulimit{"nproc", kDefaultNproc, kDefaultNproc};
  for (const auto& u : requested) {
    if (!RlimitResource(u.name)) continue;
    out[u.name] = u;
  }
  std::vector<Ulimit> result;
  for (auto& [name, u] : out) {
    int64_t max = host.Max(name);
    u.hard = ClampTo(u.hard, max);
    u.soft = ClampTo(u.soft, max);
    if (u.hard >= 0 && (u.soft < 0 || u.soft > u.hard)) u.soft = u.hard;
    result.push_back(u);
  }
  return result;
}

boost::json::array UlimitsToJson(const std::vector<Ulimit>& ulimits) {
  boost::json::array a;
  for (const auto& u : ulimits) {
    a.push_back(boost::json::object{{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  }
  return a;
}

}  // namespace fargo::runtime
