#include "dataplane/lb/rule_matcher.h"

#include <boost/asio/ip/address.hpp>
#include <cctype>

#include "common/strings.h"

namespace fargo::dataplane::lb {

using services::elbv2::ActionPlan;
using services::elbv2::ConditionPlan;
using services::elbv2::RulePlan;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return ToLower(a) == ToLower(b); }

std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host[0] == '[') return std::string(host.substr(0, host.find(']') + 1));  // [v6]:port
  return std::string(host.substr(0, host.find(':')));
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  boost::system::error_code ec1, ec2;
  auto a = boost::asio::ip::make_address(ip, ec1);
  auto net = boost::asio::ip::make_address(cidr.substr(0, slash), ec2);
  if (ec1 || ec2) return false;
  int bits = std::atoi(cidr.c_str() + slash + 1);
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4() != net.is_v4()) return false;
  auto bytes_of = [](const boost::asio::ip::address& x) {
    std::vector<unsigned char> out;
    if (x.is_v4()) {
      auto b = x.to_v4().to_bytes();
      out.assign(b.begin(), b.end());
    } else {
      auto b = x.to_v6().to_bytes();
      out.assign(b.begin(), b.end());
    }
    return out;
  };
  auto x = bytes_of(a), y = bytes_of(net);
  for (int i = 0; i < bits && i / 8 < static_cast<int>(x.size()); ++i) {
    int mask = 0x80 >> (i % 8);
    if ((x[i / 8] & mask) != (y[i / 8] & mask)) return false;
  }
  return true;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view QueryOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  if (!ignore_case) return GlobMatch(pattern, text);
  return GlobMatch(ToLower(pattern), ToLower(text));
}

bool ConditionMatches(const ConditionPlan& c, const RequestFacts& r) {
  auto any = [&c](std::string_view text, bool ignore_case) {
    for (const auto& v : c.values)
      if (WildcardMatch(v, text, ignore_case)) return true;
    return false;
  };
  if (c.field == "path-pattern") return any(PathOf(r.target), false);
  if (c.field == "host-header") return any(HostWithoutPort(r.host), true);
  if (c.field == "http-request-method") {
    for (const auto& v : c.values)
      if (v == r.method) return true;
    return false;
  }
  if (c.field == "http-header") {
    for (const auto& [name, value] : r.headers)
      if (EqualsIgnoreCase(name, c.header_name) && any(value, true)) return true;
    return false;
  }
  if (c.field == "source-ip") {
    for (const auto& v : c.values)
      if (InCidr(r.source_ip, v)) return true;
    return false;
  }
  if (c.field == "query-string") {
    std::string_view q = QueryOf(r.target);
    while (!q.empty()) {
      std::string_view pair = q.substr(0, q.find('&'));
      q = pair.size() < q.size() ? q.substr(pair.size() + 1) : std::string_view();
      auto eq = pair.find('=');
      std::string key = UrlDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
      for (const auto& [k, v] : c.query)
        if ((k.empty() || WildcardMatch(k, key, true)) && WildcardMatch(v, value, true)) return true;
    }
    return false;
  }
  return false;  // a field this data plane does not know matches nothing
}

const RulePlan* MatchRule(const std::vector<RulePlan>& rules, const RequestFacts& r) {
  for (const auto& rule : rules) {
    bool all = true;
    for (const auto& c : rule.conditions) all = all && ConditionMatches(c, r);
    if (all) return &rule;
  }
  return nullptr;
}

std::string RedirectLocation(const ActionPlan& a, const RequestFacts& r) {
  std::string path(PathOf(r.target));
  std::string query(QueryOf(r.target));
  std::string protocol = r.protocol, host = HostWithoutPort(r.host), port = std::to_string(r.port);
  auto expand = [&](std::string s) {
    s = Replace(std::move(s), "#{protocol}", protocol);
    s = Replace(std::move(s), "#{host}", host);
    s = Replace(std::move(s), "#{port}", port);
    s = Replace(std::move(s), "#{path}", path.empty() ? "" : path.substr(1));
    return Replace(std::move(s), "#{query}", query);
  };
  std::string out_protocol = expand(a.protocol.empty() ? "#{protocol}" : a.protocol);
  std::string scheme = ToLower(out_protocol);
  std::string out_host = expand(a.host.empty() ? "#{host}" : a.host);
  std::string out_port = expand(a.port.empty() ? "#{port}" : a.port);
  std::string out_path = expand(a.path.empty() ? "/#{path}" : a.path);
  std::string out_query = expand(a.query);  // AWS fills "#{query}" when none is given
  bool default_port = (scheme == "http" && out_port == "80") || (scheme == "https" && out_port == "443");
  std::string loc = scheme + "://" + out_host + (default_port ? "" : ":" + out_port) + out_path;
  if (!out_query.empty()) loc += "?" + out_query;
  return loc;
}

}  // namespace fargo::dataplane::lb
