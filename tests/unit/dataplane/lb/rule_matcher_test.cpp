// How an Application Load Balancer's rules match requests, one case a
// line: the condition, the request, and whether it matches (AWS's
// "Listener rules for your Application Load Balancer", condition types).
#include "dataplane/lb/rule_matcher.h"

#include <gtest/gtest.h>

namespace fargo::dataplane::lb {
namespace {

using services::elbv2::ActionPlan;
using services::elbv2::ConditionPlan;
using services::elbv2::RulePlan;

RequestFacts Request(std::string method, std::string target, std::string host = "example.com",
                     std::vector<std::pair<std::string, std::string>> headers = {}, std::string ip = "10.0.1.7") {
  RequestFacts r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.host = std::move(host);
  r.headers = std::move(headers);
  r.source_ip = std::move(ip);
  return r;
}

ConditionPlan Field(std::string field, std::vector<std::string> values) {
  ConditionPlan c;
  c.field = std::move(field);
  c.values = std::move(values);
  return c;
}

ConditionPlan Header(std::string name, std::vector<std::string> values) {
  ConditionPlan c = Field("http-header", std::move(values));
  c.header_name = std::move(name);
  return c;
}

ConditionPlan Query(std::vector<std::pair<std::string, std::string>> pairs) {
  ConditionPlan c;
  c.field = "query-string";
  c.query = std::move(pairs);
  return c;
}

struct Case {
  const char* spec;
  ConditionPlan condition;
  RequestFacts request;
  bool matches;
};

TEST(RuleMatcher, ConditionsMatchAsAwsDocumentsThem) {
  const Case cases[] = {
      {"path: * matches any run", Field("path-pattern", {"/api/*"}), Request("GET", "/api/v1/users"), true},
      {"path: * matches empty", Field("path-pattern", {"/api/*"}), Request("GET", "/api/"), true},
      {"path: prefix without the slash", Field("path-pattern", {"/api/*"}), Request("GET", "/api"), false},
      {"path: ? is exactly one character", Field("path-pattern", {"/v?/x"}), Request("GET", "/v2/x"), true},
      {"path: ? is not two", Field("path-pattern", {"/v?/x"}), Request("GET", "/v10/x"), false},
      {"path: case-sensitive", Field("path-pattern", {"/API/*"}), Request("GET", "/api/a"), false},
      {"path: the query is not part of the path", Field("path-pattern", {"/img/*.png"}), Request("GET", "/img/a.png?x=1"), true},
      {"path: exact without wildcards", Field("path-pattern", {"/health"}), Request("GET", "/health/x"), false},
      {"path: values are alternatives", Field("path-pattern", {"/a", "/b"}), Request("GET", "/b"), true},
      {"host: case-insensitive", Field("host-header", {"API.example.com"}), Request("GET", "/", "api.EXAMPLE.com"), true},
      {"host: port ignored", Field("host-header", {"api.example.com"}), Request("GET", "/", "api.example.com:8080"), true},
      {"host: wildcard label", Field("host-header", {"*.example.com"}), Request("GET", "/", "a.b.example.com"), true},
      {"host: wildcard needs the suffix", Field("host-header", {"*.example.com"}), Request("GET", "/", "example.org"), false},
      {"method: exact", Field("http-request-method", {"POST", "PUT"}), Request("PUT", "/"), true},
      {"method: other", Field("http-request-method", {"POST"}), Request("GET", "/"), false},
      {"header: name and value case-insensitive", Header("X-Env", {"beta*"}),
       Request("GET", "/", "h", {{"x-env", "BETA-2"}}), true},
      {"header: absent", Header("X-Env", {"*"}), Request("GET", "/"), false},
      {"header: any of its instances", Header("Accept", {"*json*"}),
       Request("GET", "/", "h", {{"Accept", "text/html"}, {"Accept", "application/json"}}), true},
      {"query: key and value", Query({{"version", "v1"}}), Request("GET", "/?a=1&version=v1"), true},
      {"query: value case-insensitive, wildcard", Query({{"lang", "EN*"}}), Request("GET", "/?lang=en-us"), true},
      {"query: without a key, any key's value", Query({{"", "debug"}}), Request("GET", "/?mode=debug"), true},
      {"query: percent-decoded", Query({{"q", "a b"}}), Request("GET", "/?q=a%20b"), true},
      {"query: other value", Query({{"version", "v1"}}), Request("GET", "/?version=v2"), false},
      {"query: none", Query({{"version", "v1"}}), Request("GET", "/"), false},
      {"source-ip: inside", Field("source-ip", {"10.0.0.0/16"}), Request("GET", "/", "h", {}, "10.0.200.1"), true},
      {"source-ip: outside", Field("source-ip", {"10.0.0.0/16"}), Request("GET", "/", "h", {}, "10.1.0.1"), false},
      {"source-ip: one address", Field("source-ip", {"192.168.1.5/32"}), Request("GET", "/", "h", {}, "192.168.1.5"), true},
      {"source-ip: v6", Field("source-ip", {"fd00::/8"}), Request("GET", "/", "h", {}, "fd12::1"), true},
  };
  for (const auto& c : cases) EXPECT_EQ(ConditionMatches(c.condition, c.request), c.matches) << c.spec;
}

TEST(RuleMatcher, FirstMatchingRuleByPriorityThenTheDefault) {
  std::vector<RulePlan> rules(3);
  rules[0].priority = 1;
  rules[0].conditions = {Field("path-pattern", {"/api/*"}), Field("http-request-method", {"POST"})};  // both must match
  rules[1].priority = 2;
  rules[1].conditions = {Field("path-pattern", {"/api/*"})};
  rules[2].priority = 0;  // default: no conditions
  EXPECT_EQ(MatchRule(rules, Request("POST", "/api/x")), &rules[0]);
  EXPECT_EQ(MatchRule(rules, Request("GET", "/api/x")), &rules[1]);
  EXPECT_EQ(MatchRule(rules, Request("GET", "/other")), &rules[2]);
  rules.pop_back();
  EXPECT_EQ(MatchRule(rules, Request("GET", "/other")), nullptr);
}

ActionPlan Redirect(std::string protocol, std::string host, std::string port, std::string path, std::string query) {
  ActionPlan a;
  a.type = "redirect";
  a.protocol = std::move(protocol);
  a.host = std::move(host);
  a.port = std::move(port);
  a.path = std::move(path);
  a.query = std::move(query);
  return a;
}

TEST(RuleMatcher, RedirectLocationsExpandAwsPlaceholders) {
  struct {
    const char* spec;
    ActionPlan action;
    std::string target, location;
  } cases[] = {
      {"to HTTPS: the default port 443 is left out", Redirect("HTTPS", "#{host}", "443", "/#{path}", "#{query}"),
       "/a/b?x=1", "https://example.com/a/b?x=1"},
      {"#{path} has no leading slash", Redirect("#{protocol}", "#{host}", "#{port}", "/v2/#{path}", "#{query}"), "/a",
       "http://example.com/v2/a"},
      {"another host and port", Redirect("#{protocol}", "new.example.com", "8080", "/#{path}", "#{query}"), "/p?q=1",
       "http://new.example.com:8080/p?q=1"},
      {"an empty query leaves no ?", Redirect("#{protocol}", "#{host}", "#{port}", "/x", "#{query}"), "/a", "http://example.com/x"},
      {"a new query", Redirect("#{protocol}", "#{host}", "#{port}", "/#{path}", "from=#{host}&#{query}"), "/a?b=1",
       "http://example.com/a?from=example.com&b=1"},
  };
  for (const auto& c : cases) {
    RequestFacts r = Request("GET", c.target, "example.com:80");
    EXPECT_EQ(RedirectLocation(c.action, r), c.location) << c.spec;
  }
}

TEST(RuleMatcher, WildcardsBacktrack) {
  EXPECT_TRUE(WildcardMatch("*a*b", "xaxxab", false));
  EXPECT_FALSE(WildcardMatch("*a*b", "xaxxa", false));
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_FALSE(WildcardMatch("?", "", false));
}

}  // namespace
}  // namespace fargo::dataplane::lb
