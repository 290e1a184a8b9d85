#include "common/strings.h"

#include <gtest/gtest.h>

namespace fargo {

TEST(Strings, TimestampsRoundTrip) {
  EXPECT_EQ(Iso8601(1764050691.123), "2025-11-25T06:04:51.123Z");
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2025-11-25T06:04:51.123Z"), 1764050691.123);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2025-11-25T07:04:51+01:00"), 1764050691.0);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("1764050691"), 1764050691.0);
  EXPECT_EQ(Rfc822(1764050691), "Tue, 25 Nov 2025 06:04:51 GMT");
  EXPECT_FALSE(ParseTimestamp("yesterday").has_value());
}

TEST(Strings, Base64) {
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_FALSE(Base64Decode("a$b").has_value());
}

TEST(Strings, GlobMatch) {
  EXPECT_TRUE(GlobMatch("web-*", "web-server"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("web-*", "db-server"));
}

TEST(Strings, UrlCoding) {
  EXPECT_EQ(UrlDecode("a%20b+c"), "a b c");
  EXPECT_EQ(UrlDecode("a+b", false), "a+b");
  EXPECT_EQ(UrlEncode("a b/c"), "a%20b%2Fc");
  EXPECT_EQ(UrlEncode("a b/c", true), "a%20b/c");
}

}  // namespace fargo
