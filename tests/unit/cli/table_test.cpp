#include "cli/table.h"

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

TEST(CliTable, AlignsColumnsTwoSpacesApartWithoutTrailingBlanks) {
  Table t({"NAME", "STATUS", "AGE"});
  t.AddRow({"web", "RUNNING", "5m"});
  t.AddRow({"a-longer-name", "PENDING", ""});
  EXPECT_EQ(t.Render(false),
            "NAME           STATUS   AGE\n"
            "web            RUNNING  5m\n"
            "a-longer-name  PENDING\n");
}

TEST(CliTable, ColoursDoNotSkewTheWidths) {
  Table t({"S", "X"});
  t.AddRow({Table::Cell("RUNNING", Colour::kGreen), "1"});
  t.AddRow({"\033[31mSTOPPED\033[0m", "2"});  // painted already
  std::string out = t.Render(true);
  EXPECT_EQ(out,
            "S        X\n"
            "\033[32mRUNNING\033[0m  1\n"
            "\033[31mSTOPPED\033[0m  2\n");
  // Without colour, the cell's own colour is not applied.
  Table plain({"S"});
  plain.AddRow({Table::Cell("RUNNING", Colour::kGreen)});
  EXPECT_EQ(plain.Render(false), "S\nRUNNING\n");
}

TEST(CliTable, MissingCellsAreBlankAndUtf8CountsCodePoints) {
  Table t({"A", "B"});
  t.AddRow({"é"});
  t.AddRow({"ab", "x"});
  EXPECT_EQ(t.Render(false), "A   B\né\nab  x\n");
}

TEST(CliTable, StatusColours) {
  EXPECT_EQ(StatusColour("RUNNING"), Colour::kGreen);
  EXPECT_EQ(StatusColour("healthy"), Colour::kGreen);
  EXPECT_EQ(StatusColour("PROVISIONING"), Colour::kYellow);
  EXPECT_EQ(StatusColour("STOPPED"), Colour::kRed);
  EXPECT_EQ(StatusColour("unhealthy"), Colour::kRed);
  EXPECT_EQ(StatusColour("UNKNOWN"), Colour::kGrey);
  EXPECT_EQ(StatusColour("something"), Colour::kNone);
}

TEST(CliTable, ColourOnlyOnATerminalWithoutNoColor) {
  EXPECT_TRUE(UseColor(true, nullptr, "xterm"));
  EXPECT_FALSE(UseColor(false, nullptr, "xterm"));
  EXPECT_FALSE(UseColor(true, "1", "xterm"));
  EXPECT_TRUE(UseColor(true, "", "xterm"));  // NO_COLOR set but empty does not count
  EXPECT_FALSE(UseColor(true, nullptr, "dumb"));
}

}  // namespace
}  // namespace fargo::cli
