// The one list pager: tokens are the decimal index of the next item.
#include <gtest/gtest.h>

#include "common/pager.h"

namespace fargo {
namespace {

TEST(Pager, WalksAListInPages) {
  PageSpan p = PageAt(5, 0, 2);
  EXPECT_EQ(p.begin, 0u);
  EXPECT_EQ(p.end, 2u);
  EXPECT_EQ(p.next_token, "2");
  p = PageAt(5, *ParsePageToken(p.next_token), 2);
  EXPECT_EQ(p.begin, 2u);
  EXPECT_EQ(p.end, 4u);
  EXPECT_EQ(p.next_token, "4");
  p = PageAt(5, *ParsePageToken(p.next_token), 2);
  EXPECT_EQ(p.begin, 4u);
  EXPECT_EQ(p.end, 5u);
  EXPECT_EQ(p.next_token, "");
}

TEST(Pager, AStartPastTheEndIsAnEmptyLastPage) {
  PageSpan p = PageAt(3, 10, 2);
  EXPECT_EQ(p.begin, 3u);
  EXPECT_EQ(p.end, 3u);
  EXPECT_EQ(p.next_token, "");
}

TEST(Pager, HugePageSizesDoNotOverflow) {
  PageSpan p = PageAt(3, 1, static_cast<size_t>(-1));
  EXPECT_EQ(p.end, 3u);
  EXPECT_EQ(p.next_token, "");
}

TEST(Pager, OnlyDecimalIndexesAreTokens) {
  EXPECT_EQ(ParsePageToken("0"), 0u);
  EXPECT_EQ(ParsePageToken("42"), 42u);
  EXPECT_FALSE(ParsePageToken(""));
  EXPECT_FALSE(ParsePageToken("-1"));
  EXPECT_FALSE(ParsePageToken("12abc"));
  EXPECT_FALSE(ParsePageToken(" 1"));
  EXPECT_FALSE(ParsePageToken("12345678901234567890"));  // 20 digits
}

}  // namespace
}  // namespace fargo
