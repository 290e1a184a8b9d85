#include "services/ec2/sg_filter.h"

#include <map>
#include <set>
#include <tuple>

#include "common/json_access.h"
#include "services/ec2/cidr.h"

namespace fargo::services::ec2 {

namespace json = boost::json;

namespace {

using Key = std::tuple<std::string, int, int>;  // protocol, from, to

// The rule's protocol and ports as the filter matches them: ports only for
// tcp/udp (a full range is no port match) and icmp (type/code).
Key KeyOf(const json::object& r) {
  std::string proto = GetString(r, "IpProtocol", "-1");
  if (proto == "6") proto = "tcp";
  if (proto == "17") proto = "udp";
  if (proto == "1") proto = "icmp";
  int from = static_cast<int>(GetInt(r, "FromPort", -1)), to = static_cast<int>(GetInt(r, "ToPort", -1));
  if (proto == "tcp" || proto == "udp") {
    if (from <= 0 && (to < 0 || to >= 65535)) from = to = -1;
  } else if (proto == "icmp") {
    if (from < 0) to = -1;  // any type: any code
  } else {
    from = to = -1;
  }
  return {proto, from, to};
}

// "10.0.1.0/24" normalised (host bits cleared); empty when not IPv4.
std::string NormalCidr(const std::string& text) {
  auto c = ParseIpv4Cidr(text, /*strict=*/false);
  return c ? c->ToString() : "";
}

std::vector<runtime::SecurityRule> Merge(const std::map<Key, std::set<std::string>>& by_key) {
  std::vector<runtime::SecurityRule> out;
  for (const auto& [k, peers] : by_key) {
    if (peers.empty()) continue;
    runtime::SecurityRule r;
    std::tie(r.protocol, r.from_port, r.to_port) = k;
    // 0.0.0.0/0 covers every other peer.
    if (peers.count("0.0.0.0/0"))
      r.cidrs = {"0.0.0.0/0"};
    else
      r.cidrs.assign(peers.begin(), peers.end());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

runtime::SecurityFilter ComputeSecurityFilter(const std::vector<const json::array*>& rules,
                                              const GroupMembers& members) {
  std::map<Key, std::set<std::string>> in, out;
  std::map<std::string, std::vector<std::string>> member_cache;
  for (const json::array* group_rules : rules) {
    if (!group_rules) continue;
    for (const auto& rv : *group_rules) {
      if (!rv.is_object()) continue;
      const json::object& r = rv.as_object();
      auto& peers = (GetBool(r, "IsEgress") ? out : in)[KeyOf(r)];
      if (std::string c = GetString(r, "CidrIpv4"); !c.empty()) {
        if (std::string n = NormalCidr(c); !n.empty()) peers.insert(n);
      } else if (const json::object* ref = GetObject(r, "ReferencedGroupInfo")) {
        std::string gid = GetString(*ref, "GroupId");
        auto it = member_cache.find(gid);
        if (it == member_cache.end()) it = member_cache.emplace(gid, members ? members(gid) : std::vector<std::string>{}).first;
        for (const auto& ip : it->second)
          if (std::string n = NormalCidr(ip + "/32"); !n.empty()) peers.insert(n);
      }
      // CidrIpv6 and PrefixListId: nothing in fargo's IPv4 VPCs.
    }
  }
  runtime::SecurityFilter f;
  f.ingress = Merge(in);
  f.egress = Merge(out);
  return f;
}

}  // namespace fargo::services::ec2
