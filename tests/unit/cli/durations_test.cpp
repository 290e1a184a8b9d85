#include "cli/durations.h"

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

TEST(CliDurations, ParsesWhatPeopleWrite) {
  EXPECT_EQ(ParseDuration("90"), 90);
  EXPECT_EQ(ParseDuration("30s"), 30);
  EXPECT_EQ(ParseDuration("5m"), 300);
  EXPECT_EQ(ParseDuration("2h"), 7200);
  EXPECT_EQ(ParseDuration("1d"), 86400);
  EXPECT_EQ(ParseDuration("1h30m"), 5400);
  EXPECT_EQ(ParseDuration("1.5m"), 90);
}

TEST(CliDurations, RefusesWhatIsNotADuration) {
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("m"));
  EXPECT_FALSE(ParseDuration("5x"));
  EXPECT_FALSE(ParseDuration("1h30"));
  EXPECT_FALSE(ParseDuration("-5m"));
  EXPECT_FALSE(ParseDuration("yesterday"));
}

TEST(CliDurations, AgesAsKubectlShowsThem) {
  EXPECT_EQ(FormatAge(0), "0s");
  EXPECT_EQ(FormatAge(-3), "0s");  // clock skew
  EXPECT_EQ(FormatAge(12.7), "12s");
  EXPECT_EQ(FormatAge(59.9), "59s");
  EXPECT_EQ(FormatAge(60), "1m");
  EXPECT_EQ(FormatAge(3599), "59m");
  EXPECT_EQ(FormatAge(3600), "1h");
  EXPECT_EQ(FormatAge(86399), "23h");
  EXPECT_EQ(FormatAge(5 * 86400 + 7), "5d");
}

}  // namespace
}  // namespace fargo::cli
