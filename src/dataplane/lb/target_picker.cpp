#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

std::optional<size_t> PickTarget(const std::vector<Candidate>& targets, uint64_t flow_hash) {
  std::vector<size_t> healthy, open;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].draining) continue;
    open.push_back(i);
    if (targets[i].healthy) healthy.push_back(i);
  }
  const std::vector<size_t>& from = healthy.empty() ? open : healthy;  // fail open
  if (from.empty()) return std::nullopt;
  return from[flow_hash % from.size()];
}

uint64_t FlowHash(const std::string& src_ip, uint16_t src_port, const std::string& dst_ip, uint16_t dst_port) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h ^= static_cast<const unsigned char*>(p)[i];
      h *= 1099511628211ull;
    }
  };
  mix(src_ip.data(), src_ip.size());
  mix(&src_port, sizeof src_port);
  mix(dst_ip.data(), dst_ip.size());
  mix(&dst_port, sizeof dst_port);
  // FNV's low bits are weak for short keys: fold the high half in.
  return h ^ (h >> 29);
}

}  // namespace fargo::dataplane::lb
