#include "services/ec2/sg_rules.h"

#include <optional>
#include <tuple>

#include "common/json_access.h"
#include "common/strings.h"

namespace fargo::services::ec2 {

namespace json = boost::json;

namespace {

std::optional<int64_t> Int(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<int64_t>();
}

// The peer of a rule as one comparable string.
std::string PeerOf(const json::object& r) {
  if (auto s = GetString(r, "CidrIpv4"); !s.empty()) return "ipv4:" + s;
  if (auto s = GetString(r, "CidrIpv6"); !s.empty()) return "ipv6:" + ToLower(s);
  if (auto s = GetString(r, "PrefixListId"); !s.empty()) return "pl:" + s;
  if (auto* g = r.if_contains("ReferencedGroupInfo"); g && g->is_object())
    return "sg:" + GetString(g->as_object(), "GroupId");
  return "";
}

AwsError BadPermission(const std::string& what) {
  return AwsError::Make("InvalidParameterValue", "Invalid value '" + what + "' for IP protocol");
}

}  // namespace

std::string NormalizeProtocol(const std::string& raw) {
  std::string p = ToLower(raw);
  if (p == "-1" || p == "all") return "-1";
  if (p == "tcp" || p == "6") return "tcp";
  if (p == "udp" || p == "17") return "udp";
  if (p == "icmp" || p == "1") return "icmp";
  if (p == "icmpv6" || p == "58") return "icmpv6";
  if (p.empty() || p.size() > 3) return "";
  for (char c : p)
    if (c < '0' || c > '9') return "";
  int n = std::stoi(p);
  return n <= 255 ? std::to_string(n) : "";
}

Result<std::vector<json::object>> ExpandPermissions(const json::array& permissions, bool egress,
                                                   const std::string& account,
                                                   const GroupResolver& resolve) {
  std::vector<json::object> out;
  for (const auto& pv : permissions) {
    if (!pv.is_object()) continue;
    const auto& perm = pv.as_object();
    std::string raw = GetString(perm, "IpProtocol");
    std::string proto = NormalizeProtocol(raw);
    if (proto.empty()) return BadPermission(raw);
    auto from = Int(perm, "FromPort");
    auto to = Int(perm, "ToPort");
    int64_t lo = -1, hi = -1;
    if (proto == "tcp" || proto == "udp") {
      if (!from || !to)
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
      lo = *from;
      hi = *to;
      if (lo < 0 || hi > 65535 || lo > hi)
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    } else if (proto == "icmp" || proto == "icmpv6") {
      lo = from.value_or(-1);
      hi = to.value_or(-1);
    } else if (proto != "-1") {
      lo = from.value_or(-1);
      hi = to.value_or(-1);
    }
    auto base = [&]() {
      json::object r;
      r["IsEgress"] = egress;
      r["IpProtocol"] = proto;
      r["FromPort"] = lo;
      r["ToPort"] = hi;
      return r;
    };
    auto add_desc = [](json::object& r, const json::object& peer) {
      if (auto d = GetString(peer, "Description"); !d.empty()) r["Description"] = d;
    };
    size_t before = out.size();
    if (auto* ranges = perm.if_contains("IpRanges"); ranges && ranges->is_array())
      for (const auto& x : ranges->as_array()) {
        if (!x.is_object()) continue;
        json::object r = base();
        r["CidrIpv4"] = GetString(x.as_object(), "CidrIp");
        add_desc(r, x.as_object());
        out.push_back(std::move(r));
      }
    if (auto* ranges = perm.if_contains("Ipv6Ranges"); ranges && ranges->is_array())
      for (const auto& x : ranges->as_array()) {
        if (!x.is_object()) continue;
        json::object r = base();
        r["CidrIpv6"] = GetString(x.as_object(), "CidrIpv6");
        add_desc(r, x.as_object());
        out.push_back(std::move(r));
      }
    if (auto* lists = perm.if_contains("PrefixListIds"); lists && lists->is_array())
      for (const auto& x : lists->as_array()) {
        if (!x.is_object()) continue;
        json::object r = base();
        r["PrefixListId"] = GetString(x.as_object(), "PrefixListId");
        add_desc(r, x.as_object());
        out.push_back(std::move(r));
      }
    if (auto* pairs = perm.if_contains("UserIdGroupPairs"); pairs && pairs->is_array())
      for (const auto& x : pairs->as_array()) {
        if (!x.is_object()) continue;
        FARGO_ASSIGN_OR_RETURN(std::string gid, resolve(x.as_object()));
        json::object r = base();
        std::string user = GetString(x.as_object(), "UserId");
        r["ReferencedGroupInfo"] = json::object{{"GroupId", gid}, {"UserId", user.empty() ? account : user}};
        add_desc(r, x.as_object());
        out.push_back(std::move(r));
      }
    if (out.size() == before)
      return AwsError::Make("InvalidParameterValue",
                            "The request must contain at least one source or destination: "
                            "IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs");
  }
  return out;
}

bool SameRule(const json::object& a, const json::object& b) {
  auto key = [](const json::object& r) {
    auto* e = r.if_contains("IsEgress");
    return std::make_tuple(e && e->is_bool() && e->as_bool(), GetString(r, "IpProtocol"),
                           Int(r, "FromPort").value_or(-1), Int(r, "ToPort").value_or(-1), PeerOf(r));
  };
  return key(a) == key(b);
}

json::array ToIpPermissions(const json::array& rules, bool egress) {
  json::array perms;
  for (const auto& rv : rules) {
    if (!rv.is_object()) continue;
    const auto& r = rv.as_object();
    auto* e = r.if_contains("IsEgress");
    if ((e && e->is_bool() && e->as_bool()) != egress) continue;
    std::string proto = GetString(r, "IpProtocol");
    int64_t from = Int(r, "FromPort").value_or(-1), to = Int(r, "ToPort").value_or(-1);
    json::object* perm = nullptr;
    for (auto& p : perms) {
      auto& po = p.as_object();
      if (GetString(po, "IpProtocol") == proto && Int(po, "FromPort").value_or(-1) == from &&
          Int(po, "ToPort").value_or(-1) == to) {
        perm = &po;
        break;
      }
    }
    if (!perm) {
      json::object p{{"IpProtocol", proto},
                     {"IpRanges", json::array()},
                     {"Ipv6Ranges", json::array()},
                     {"PrefixListIds", json::array()},
                     {"UserIdGroupPairs", json::array()}};
      if (proto != "-1") {
        p["FromPort"] = from;
        p["ToPort"] = to;
      }
      perms.push_back(std::move(p));
      perm = &perms.back().as_object();
    }
    std::string desc = GetString(r, "Description");
    auto with_desc = [&](json::object o) {
      if (!desc.empty()) o["Description"] = desc;
      return o;
    };
    if (auto s = GetString(r, "CidrIpv4"); !s.empty())
      (*perm)["IpRanges"].as_array().push_back(with_desc({{"CidrIp", s}}));
    else if (auto s6 = GetString(r, "CidrIpv6"); !s6.empty())
      (*perm)["Ipv6Ranges"].as_array().push_back(with_desc({{"CidrIpv6", s6}}));
    else if (auto pl = GetString(r, "PrefixListId"); !pl.empty())
      (*perm)["PrefixListIds"].as_array().push_back(with_desc({{"PrefixListId", pl}}));
    else if (auto* g = r.if_contains("ReferencedGroupInfo"); g && g->is_object())
      (*perm)["UserIdGroupPairs"].as_array().push_back(
          with_desc({{"GroupId", GetString(g->as_object(), "GroupId")}, {"UserId", GetString(g->as_object(), "UserId")}}));
  }
  return perms;
}

std::string DescribeRule(const json::object& r) {
  std::string peer = PeerOf(r);
  peer = peer.substr(peer.find(':') + 1);
  std::string proto = GetString(r, "IpProtocol");
  std::string p = proto == "-1" ? "ALL" : proto;
  for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string text = "peer: " + peer + ", " + p;
  if (proto != "-1")
    text += ", from port: " + std::to_string(Int(r, "FromPort").value_or(-1)) +
            ", to port: " + std::to_string(Int(r, "ToPort").value_or(-1));
  return text + ", ALLOW";
}

}  // namespace fargo::services::ec2
