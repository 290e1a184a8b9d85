#include "dataplane/sessions/smux_frame.h"

#include <gtest/gtest.h>

namespace fargo::dataplane::sessions {
namespace {

TEST(SmuxFrameTest, EncodesTheReferenceExamples) {
  EXPECT_EQ(EncodeSmuxFrame(SmuxCommand::kSyn, 3), std::string("\x01\x00\x00\x00\x03\x00\x00\x00", 8));
  EXPECT_EQ(EncodeSmuxFrame(SmuxCommand::kPsh, 3, "hi"), std::string("\x01\x02\x02\x00\x03\x00\x00\x00hi", 10));
  EXPECT_EQ(EncodeSmuxFrame(SmuxCommand::kFin, 3), std::string("\x01\x01\x00\x00\x03\x00\x00\x00", 8));
}

TEST(SmuxFrameTest, ReassemblesFramesSplitAnywhere) {
  std::string bytes = EncodeSmuxFrame(SmuxCommand::kSyn, 5) + EncodeSmuxFrame(SmuxCommand::kPsh, 5, std::string(70000 % 65535, 'x')) +
                      EncodeSmuxFrame(SmuxCommand::kFin, 0x01020305);
  SmuxReader r;
  std::vector<SmuxFrame> got;
  for (char c : bytes) {  // one byte at a time
    r.Append(std::string_view(&c, 1));
    for (;;) {
      auto f = r.Next();
      ASSERT_TRUE(f.ok());
      if (!*f) break;
      got.push_back(std::move(**f));
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].command, SmuxCommand::kSyn);
  EXPECT_EQ(got[1].data.size(), 70000u % 65535);
  EXPECT_EQ(got[2].command, SmuxCommand::kFin);
  EXPECT_EQ(got[2].stream_id, 0x01020305u);
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(SmuxFrameTest, RefusesAnotherVersionOrCommand) {
  SmuxReader v2;
  v2.Append(std::string("\x02\x00\x00\x00\x03\x00\x00\x00", 8));
  EXPECT_FALSE(v2.Next().ok());
  SmuxReader cmd;
  cmd.Append(std::string("\x01\x09\x00\x00\x03\x00\x00\x00", 8));
  EXPECT_FALSE(cmd.Next().ok());
}

}  // namespace
}  // namespace fargo::dataplane::sessions
