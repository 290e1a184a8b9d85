// Security groups as a packet filter: the effective rules of an interface
// (sg_filter.h) from the groups stored here and their members.
#include "services/ec2/ec2_service.h"
#include "services/ec2/sg_filter.h"

namespace fargo::services {

using store::Collection;

runtime::SecurityFilter Ec2Service::SecurityFilterOf(const std::string& region,
                                                     const std::vector<std::string>& group_ids) const {
  std::vector<const json::array*> rules;
  for (const auto& gid : group_ids)
    if (const json::object* g = FindGroup(region, gid)) rules.push_back(GetArray(*g, "_Rules"));
  ec2::GroupMembers members = [&](const std::string& gid) {
    std::vector<std::string> ips;
    interfaces_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& eni) {
      const json::array* gs = GetArray(eni, "Groups");
      if (!gs) return;
      for (const auto& g : *gs)
        if (g.is_object() && GetString(g.as_object(), "GroupId") == gid) {
          if (std::string ip = GetString(eni, "PrivateIpAddress"); !ip.empty()) ips.push_back(ip);
          return;
        }
    });
    return ips;
  };
  return ec2::ComputeSecurityFilter(rules, members);
}

std::optional<std::vector<std::string>> Ec2Service::InterfaceGroups(const std::string& region,
                                                                   const std::string& eni_id) const {
  const json::object* eni = interfaces_.Find(Collection::Key(region, eni_id));
  if (!eni) return std::nullopt;
  std::vector<std::string> out;
  if (const json::array* gs = GetArray(*eni, "Groups"))
    for (const auto& g : *gs)
      if (g.is_object()) out.push_back(GetString(g.as_object(), "GroupId"));
  return out;
}

}  // namespace fargo::services
