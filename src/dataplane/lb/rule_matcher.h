// The rules of an Application Load Balancer's listener, evaluated as AWS
// does (pure functions, no I/O):
//   - rules in priority order, the default rule last; the first whose
//     conditions all match answers; the values of one condition are
//     alternatives;
//   - path-pattern: the path without the query, case-sensitive;
//     host-header: the Host without its port, case-insensitive;
//     http-header: the named header (name and values case-insensitive);
//     http-request-method: exact; query-string: key/value pairs (a pair
//     without a key matches any key's value), case-insensitive, after
//     percent-decoding the request's; source-ip: the client's address in
//     one of the CIDR blocks. Patterns take AWS's wildcards: * (any run of
//     characters, empty too) and ? (exactly one).
//   - redirect: the Location a redirect action answers, with AWS's
//     placeholders #{protocol}, #{host}, #{port}, #{path} (without its
//     leading "/") and #{query}; the port is left out when it is the
//     protocol's default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/elbv2/elbv2_plan.h"

namespace fargo::dataplane::lb {

// What rules look at in a request.
struct RequestFacts {
  std::string method;  // "GET"
  std::string target;  // the request-target as sent: "/a/b?x=1"
  std::string host;    // the Host header as sent ("example.com:8080")
  std::vector<std::pair<std::string, std::string>> headers;
  std::string source_ip;  // the client's address
  std::string protocol = "HTTP";  // the listener's
  uint16_t port = 80;             // the listener's
};

// Whether `text` matches `pattern` with * and ? wildcards.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

bool ConditionMatches(const services::elbv2::ConditionPlan& c, const RequestFacts& r);

// The first rule of `rules` (priority order) whose conditions all match;
// null when none does (a listener's rules end with the default rule,
// which has none and so always matches).
const services::elbv2::RulePlan* MatchRule(const std::vector<services::elbv2::RulePlan>& rules, const RequestFacts& r);

// The Location header of a redirect action for `r`.
std::string RedirectLocation(const services::elbv2::ActionPlan& a, const RequestFacts& r);

// "/a/b?x=1" -> "/a/b" and "x=1".
std::string_view PathOf(std::string_view target);
std::string_view QueryOf(std::string_view target);

}  // namespace fargo::dataplane::lb
