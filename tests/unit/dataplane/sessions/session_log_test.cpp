// Session logs named and cut as the SSM agent does: the S3 key is Go's
// path.Join(s3KeyPrefix, sessionId + ".log"); the transcript in lines.
#include "dataplane/sessions/session_log.h"

#include <gtest/gtest.h>

namespace fargo::dataplane::sessions {
namespace {

TEST(SessionLog, S3KeyIsThePrefixJoinedWithTheSessionLog) {
  const std::string id = "ecs-execute-command-0123456789abcdef0";
  EXPECT_EQ(S3LogKey("", id), id + ".log");
  EXPECT_EQ(S3LogKey("exec", id), "exec/" + id + ".log");
  EXPECT_EQ(S3LogKey("exec/", id), "exec/" + id + ".log");
  EXPECT_EQ(S3LogKey("a//b/./c/", id), "a/b/c/" + id + ".log");
  EXPECT_EQ(S3LogKey("a/../b", id), "b/" + id + ".log");
  EXPECT_EQ(S3LogKey("/logs", id), "/logs/" + id + ".log");
}

TEST(SessionLog, TranscriptLinesDropCarriageReturnsAndEmptyLines) {
  EXPECT_EQ(TranscriptLines("# echo hi\r\nhi\r\n\r\n# exit"),
            (std::vector<std::string>{"# echo hi", "hi", "# exit"}));
  EXPECT_TRUE(TranscriptLines("").empty());
  EXPECT_EQ(TranscriptLines("abcdef\n", 3), (std::vector<std::string>{"abc"}));
}

}  // namespace
}  // namespace fargo::dataplane::sessions
