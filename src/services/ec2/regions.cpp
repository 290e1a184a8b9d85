#include "services/ec2/regions.h"

#include "common/strings.h"

namespace fargo::services::ec2 {

const std::vector<RegionInfo>& CommercialRegions() {
  static const std::vector<RegionInfo> regions = [] {
    std::vector<RegionInfo> r;
    for (const char* n : {"ap-south-1", "eu-north-1", "eu-west-3", "eu-west-2", "eu-west-1", "ap-northeast-3",
                          "ap-northeast-2", "ap-northeast-1", "ca-central-1", "sa-east-1", "ap-southeast-1",
                          "ap-southeast-2", "eu-central-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"})
      r.push_back({n, "opt-in-not-required"});
    for (const char* n : {"af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
                          "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
                          "me-central-1", "me-south-1"})
      r.push_back({n, "opted-in"});
    return r;
  }();
  return regions;
}

std::string RegionShortCode(const std::string& region) {
  auto parts = Split(region, '-');
  if (parts.size() != 3) return region;
  static const std::pair<const char*, const char*> kDirections[] = {
      {"northeast", "ne"}, {"northwest", "nw"}, {"southeast", "se"}, {"southwest", "sw"},
      {"north", "n"},      {"south", "s"},      {"east", "e"},       {"west", "w"},
      {"central", "c"}};
  std::string dir = parts[1];
  for (const auto& [word, code] : kDirections)
    if (parts[1] == word) {
      dir = code;
      break;
    }
  return parts[0] + dir + parts[2];
}

std::vector<ZoneInfo> ZonesOf(const std::string& region) {
  std::vector<ZoneInfo> zones;
  std::string code = RegionShortCode(region);
  for (int i = 0; i < 3; ++i)
    zones.push_back({region + static_cast<char>('a' + i), code + "-az" + std::to_string(i + 1)});
  return zones;
}

}  // namespace fargo::services::ec2
