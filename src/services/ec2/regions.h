// The fixed geography fargo reports: commercial regions and three
// availability zones per region.
#pragma once

#include <string>
#include <vector>

namespace fargo::services::ec2 {

struct RegionInfo {
  std::string name;        // "us-east-1"
  std::string opt_in;      // "opt-in-not-required" or "opted-in"
};

// The commercial regions, in a stable order.
const std::vector<RegionInfo>& CommercialRegions();

struct ZoneInfo {
  std::string name;  // "us-east-1a"
  std::string id;    // "use1-az1"
};

// The region's availability zones: REGIONa, REGIONb, REGIONc.
std::vector<ZoneInfo> ZonesOf(const std::string& region);

// "us-east-1" -> "use1", "ap-southeast-2" -> "apse2".
std::string RegionShortCode(const std::string& region);

}  // namespace fargo::services::ec2
