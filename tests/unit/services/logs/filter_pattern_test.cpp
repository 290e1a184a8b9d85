// CloudWatch Logs filter patterns, as FilterLogEvents applies them.
#include "common/strings.h"
#include "services/logs/filter_pattern.h"

#include <gtest/gtest.h>

namespace fargo::services::logs {
namespace {

FilterPattern P(std::string_view text) {
  auto r = FilterPattern::Parse(text);
  EXPECT_TRUE(r.ok()) << "pattern should parse: " << text;
  return r.ok() ? r.value() : FilterPattern::Parse("").value();
}

bool Match(std::string_view pattern, std::string_view message) { return P(pattern).Matches(message); }

void ExpectInvalid(std::string_view pattern) {
  auto r = FilterPattern::Parse(pattern);
  ASSERT_FALSE(r.ok()) << "pattern should be rejected: " << pattern;
  EXPECT_EQ(r.error().code, "InvalidParameterException");
  EXPECT_EQ(r.error().message, "Invalid filter pattern");
}

TEST(LogsFilterPatternTest, EmptyPatternMatchesEverything) {
  EXPECT_TRUE(P("").MatchesAll());
  EXPECT_TRUE(P("   ").MatchesAll());
  EXPECT_TRUE(Match("", ""));
  EXPECT_TRUE(Match("", "anything at all"));
}

TEST(LogsFilterPatternTest, EveryTermMustAppear) {
  EXPECT_TRUE(Match("ERROR", "2024 ERROR disk full"));
  EXPECT_TRUE(Match("ERROR disk", "2024 ERROR disk full"));
  EXPECT_FALSE(Match("ERROR memory", "2024 ERROR disk full"));
  EXPECT_FALSE(P("ERROR").MatchesAll());
}

TEST(LogsFilterPatternTest, TermsAreCaseSensitive) {
  EXPECT_FALSE(Match("ERROR", "an error occurred"));
  EXPECT_TRUE(Match("error", "an error occurred"));
}

TEST(LogsFilterPatternTest, TermsMatchInsideWords) {
  EXPECT_TRUE(Match("Exception", "java.lang.NullPointerException"));
}

TEST(LogsFilterPatternTest, QuotedPhraseIsOneTerm) {
  EXPECT_TRUE(Match("\"disk full\"", "ERROR disk full now"));
  EXPECT_FALSE(Match("\"disk full\"", "full disk"));
  EXPECT_TRUE(Match("\"user:alice\" ERROR", "ERROR for user:alice"));
  EXPECT_TRUE(Match("\"say \\\"hi\\\"\"", "they say \"hi\""));
}

TEST(LogsFilterPatternTest, QuestionMarkTermsAreAlternatives) {
  EXPECT_TRUE(Match("?ERROR ?WARN", "WARN low memory"));
  EXPECT_TRUE(Match("?ERROR ?WARN", "ERROR crash"));
  EXPECT_FALSE(Match("?ERROR ?WARN", "INFO all good"));
  EXPECT_TRUE(Match("?\"disk full\" ?OOM", "the disk full again"));
}

TEST(LogsFilterPatternTest, RequiredTermsStillApplyWithAlternatives) {
  EXPECT_TRUE(Match("db ?ERROR ?WARN", "db WARN slow"));
  EXPECT_FALSE(Match("db ?ERROR ?WARN", "api WARN slow"));
}

TEST(LogsFilterPatternTest, MinusExcludesTerms) {
  EXPECT_TRUE(Match("ERROR -Exiting", "ERROR disk full"));
  EXPECT_FALSE(Match("ERROR -Exiting", "ERROR Exiting now"));
  EXPECT_FALSE(Match("ERROR -\"shutting down\"", "ERROR shutting down"));
  EXPECT_TRUE(Match("-DEBUG", "INFO start"));
  EXPECT_FALSE(Match("-DEBUG", "DEBUG x=1"));
}

TEST(LogsFilterPatternTest, JsonStringEquality) {
  EXPECT_TRUE(Match("{ $.level = \"error\" }", R"({"level":"error","msg":"x"})"));
  EXPECT_FALSE(Match("{ $.level = \"error\" }", R"({"level":"info"})"));
  EXPECT_TRUE(Match("{$.level=\"error\"}", R"({"level":"error"})"));
  EXPECT_TRUE(Match("{ $.level = error }", R"({"level":"error"})"));
  EXPECT_TRUE(Match("{ $.level != \"error\" }", R"({"level":"info"})"));
}

TEST(LogsFilterPatternTest, JsonStringWildcards) {
  EXPECT_TRUE(Match("{ $.path = \"/api/*\" }", R"({"path":"/api/users/7"})"));
  EXPECT_FALSE(Match("{ $.path = \"/api/*\" }", R"({"path":"/web/index"})"));
  EXPECT_TRUE(Match("{ $.host = \"*.internal\" }", R"({"host":"db.internal"})"));
}

TEST(LogsFilterPatternTest, JsonNumericComparisons) {
  const char* msg = R"({"latency": 250, "status": 200})";
  EXPECT_TRUE(Match("{ $.latency > 100 }", msg));
  EXPECT_FALSE(Match("{ $.latency < 100 }", msg));
  EXPECT_TRUE(Match("{ $.latency >= 250 }", msg));
  EXPECT_TRUE(Match("{ $.latency <= 250.0 }", msg));
  EXPECT_TRUE(Match("{ $.status = 200 }", msg));
  EXPECT_FALSE(Match("{ $.status != 200 }", msg));
  EXPECT_TRUE(Match("{ $.latency > -1.5e2 }", msg));
}

TEST(LogsFilterPatternTest, JsonNestedPathsAndArrays) {
  const char* msg = R"({"user":{"id":1,"name":"ann"},"tags":["a","b"],"items":[{"n":3}]})";
  EXPECT_TRUE(Match("{ $.user.id = 1 }", msg));
  EXPECT_TRUE(Match("{ $.user.name = \"ann\" }", msg));
  EXPECT_TRUE(Match("{ $.tags[1] = \"b\" }", msg));
  EXPECT_TRUE(Match("{ $.items[0].n > 2 }", msg));
  EXPECT_FALSE(Match("{ $.tags[5] = \"b\" }", msg));
}

TEST(LogsFilterPatternTest, JsonAndOrAndParentheses) {
  const char* msg = R"({"user":{"id":1},"status":500})";
  EXPECT_TRUE(Match("{ $.user.id = 1 && $.status != 200 }", msg));
  EXPECT_FALSE(Match("{ $.user.id = 2 && $.status != 200 }", msg));
  EXPECT_TRUE(Match("{ $.user.id = 2 || $.status = 500 }", msg));
  EXPECT_TRUE(Match("{ ($.user.id = 2 || $.user.id = 1) && $.status >= 500 }", msg));
  EXPECT_FALSE(Match("{ ($.user.id = 2 || $.user.id = 3) && $.status >= 500 }", msg));
}

TEST(LogsFilterPatternTest, JsonMissingFieldsNeverCompare) {
  EXPECT_FALSE(Match("{ $.missing = 1 }", R"({"a":1})"));
  EXPECT_FALSE(Match("{ $.missing != 1 }", R"({"a":1})"));
}

TEST(LogsFilterPatternTest, JsonExistenceNullAndBooleans) {
  const char* msg = R"({"a":null,"ok":true,"bad":false})";
  EXPECT_TRUE(Match("{ $.b NOT EXISTS }", msg));
  EXPECT_FALSE(Match("{ $.a NOT EXISTS }", msg));
  EXPECT_TRUE(Match("{ $.ok EXISTS }", msg));
  EXPECT_TRUE(Match("{ $.a IS NULL }", msg));
  EXPECT_FALSE(Match("{ $.ok IS NULL }", msg));
  EXPECT_TRUE(Match("{ $.ok IS TRUE }", msg));
  EXPECT_TRUE(Match("{ $.bad IS FALSE }", msg));
  EXPECT_FALSE(Match("{ $.ok IS FALSE }", msg));
}

TEST(LogsFilterPatternTest, JsonPatternsNeverMatchPlainText) {
  EXPECT_FALSE(Match("{ $.level = \"error\" }", "level = error"));
  EXPECT_FALSE(Match("{ $.b NOT EXISTS }", "not json"));
}

TEST(LogsFilterPatternTest, SpaceDelimitedFields) {
  const char* line = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 404 2326";
  EXPECT_TRUE(Match("[ip, id, user, timestamp, request, status_code = 404, size]", line));
  EXPECT_FALSE(Match("[ip, id, user, timestamp, request, status_code = 200, size]", line));
  EXPECT_TRUE(Match("[ip, id, user, timestamp, request, status_code = 4*, size > 1000]", line));
  EXPECT_TRUE(Match("[ip = 127.0.0.1, ...]", line));
  EXPECT_TRUE(Match("[..., status, size >= 2326]", line));
  EXPECT_FALSE(Match("[ip, user]", line));  // field count differs
}

TEST(LogsFilterPatternTest, InvalidPatternsAreRejected) {
  ExpectInvalid("{ $.level = \"error\" ");
  ExpectInvalid("{ level = 1 }");
  ExpectInvalid("{ $.a > \"x\" }");
  ExpectInvalid("{ $.a = 1 && }");
  ExpectInvalid("{ $.a }");
  ExpectInvalid("{ ($.a = 1 }");
  ExpectInvalid("\"unterminated");
  ExpectInvalid("? ERROR");
  ExpectInvalid("[a, b");
  ExpectInvalid("[]");
}

TEST(LogsFilterPatternTest, StarOnlyGlob) {
  EXPECT_TRUE(GlobMatch("*", "", GlobSyntax::kStarOnly));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc", GlobSyntax::kStarOnly));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc", GlobSyntax::kStarOnly));
  EXPECT_FALSE(GlobMatch("a*c", "abbb", GlobSyntax::kStarOnly));
  EXPECT_TRUE(GlobMatch("abc", "abc", GlobSyntax::kStarOnly));
  EXPECT_FALSE(GlobMatch("abc", "abcd", GlobSyntax::kStarOnly));
  EXPECT_FALSE(GlobMatch("a?c", "abc", GlobSyntax::kStarOnly));  // '?' is literal in filter patterns
  EXPECT_TRUE(GlobMatch("a?c", "a?c", GlobSyntax::kStarOnly));
}

}  // namespace
}  // namespace fargo::services::logs
