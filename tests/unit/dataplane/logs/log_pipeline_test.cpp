// The awslogs pipeline without an engine: record parsing and line cutting,
// batching thresholds, the bounded queue and its drop accounting.
#include "dataplane/logs/log_pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace fargo::dataplane {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kT0 = 1795596443000;  // 2026-11-25T08:47:23Z
constexpr const char* kTs0 = "2026-11-25T08:47:23Z";
constexpr const char* kTs1 = "2026-11-25T08:47:24.250Z";

// One multiplexed frame: {stream, 0, 0, 0, size (big-endian)} + payload.
std::string Frame(int stream, const std::string& payload) {
  std::string h(8, '\0');
  h[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(payload.size());
  h[4] = static_cast<char>(n >> 24);
  h[5] = static_cast<char>(n >> 16);
  h[6] = static_cast<char>(n >> 8);
  h[7] = static_cast<char>(n);
  return h + payload;
}

struct Line {
  int64_t ts;
  std::string text;
  bool operator==(const Line&) const = default;
};
std::ostream& operator<<(std::ostream& o, const Line& l) { return o << l.ts << ":" << l.text; }

struct Collector {
  std::vector<Line> lines;
  std::vector<OutputOffsets> after;  // by line
  EngineLogParser Parser(bool tty) {
    return EngineLogParser(
        tty,
        [this](int64_t ts, std::string_view l, const OutputOffsets& a) {
          lines.push_back({ts, std::string(l)});
          after.push_back(a);
        },
        [] { return int64_t{42}; });
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> t;
    for (const auto& l : lines) t.push_back(l.text);
    return t;
  }
};

TEST(LogPipelineTime, ParsesEngineTimestamps) {
  EXPECT_EQ(ParseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Millis(kTs0), kT0);
  EXPECT_EQ(ParseRfc3339Millis("2026-11-25T08:47:23.123456789Z"), kT0 + 123);
  EXPECT_EQ(ParseRfc3339Millis("2026-11-25T09:47:23.5+01:00"), kT0 + 500);
  EXPECT_EQ(ParseRfc3339Millis("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_FALSE(ParseRfc3339Millis("hello"));
  EXPECT_FALSE(ParseRfc3339Millis("2026-11-25T08:47:23"));
  EXPECT_FALSE(ParseRfc3339Millis("2026-13-25T08:47:23Z"));
}

TEST(LogPipelineParser, MultiplexedRecordsBecomeLines) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, std::string(kTs0) + " hello\n") + Frame(2, std::string(kTs0) + " oops\n") +
         Frame(1, std::string(kTs1) + " world\n"));
  EXPECT_EQ(c.lines, (std::vector<Line>{{kT0, "hello"}, {kT0, "oops"}, {kT0 + 1250, "world"}}));
}

TEST(LogPipelineParser, SplitAnywhereGivesTheSameLines) {
  std::string stream = Frame(1, std::string(kTs0) + " first line\n") + Frame(2, std::string(kTs0) + " err\n") +
                       Frame(1, std::string(kTs1) + " part-") + Frame(1, std::string(kTs1) + " two\n");
  Collector whole;
  auto p1 = whole.Parser(false);
  p1.Feed(stream);
  ASSERT_EQ(whole.lines.size(), 3u);
  for (size_t step : {1, 2, 3, 7, 13}) {
    Collector c;
    auto p = c.Parser(false);
    for (size_t i = 0; i < stream.size(); i += step) p.Feed(std::string_view(stream).substr(i, step));
    EXPECT_EQ(c.lines, whole.lines) << "step " << step;
  }
}

TEST(LogPipelineParser, PartialRecordsJoinPerStreamWithTheFirstTime) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, std::string(kTs0) + " out-a"));
  p.Feed(Frame(2, std::string(kTs0) + " err-a"));
  p.Feed(Frame(1, std::string(kTs1) + " out-b\n"));
  EXPECT_EQ(c.lines, (std::vector<Line>{{kT0, "out-aout-b"}}));
  p.Feed(Frame(2, std::string(kTs1) + " err-b\n"));
  EXPECT_EQ(c.lines.back(), (Line{kT0, "err-aerr-b"}));
}

TEST(LogPipelineParser, PartialLineHeldUntilFlush) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, std::string(kTs0) + " no newline yet"));
  EXPECT_TRUE(c.lines.empty());
  p.Flush();
  EXPECT_EQ(c.lines, (std::vector<Line>{{kT0, "no newline yet"}}));
  p.Flush();
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(LogPipelineParser, EmptyLinesAreSkipped) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, std::string(kTs0) + " \n") + Frame(1, std::string(kTs0) + " x\n"));
  EXPECT_EQ(c.lines, (std::vector<Line>{{kT0, "x"}}));
}

TEST(LogPipelineParser, TtyStreamIsRawLinesWithCrLf) {
  Collector c;
  auto p = c.Parser(true);
  std::string s = std::string(kTs0) + " one\r\n" + kTs1 + " two\r\n" + kTs1 + " three";
  for (char ch : s) p.Feed(std::string_view(&ch, 1));
  EXPECT_EQ(c.lines, (std::vector<Line>{{kT0, "one"}, {kT0 + 1250, "two"}}));
  p.Flush();
  EXPECT_EQ(c.lines.back(), (Line{kT0 + 1250, "three"}));
}

TEST(LogPipelineParser, RecordWithoutTimeIsText) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, "plain text\n") + Frame(1, "x"));
  p.Flush();
  EXPECT_EQ(c.lines, (std::vector<Line>{{42, "plain text"}, {42, "x"}}));
}

TEST(LogPipelineParser, LongLinesAreCutIntoEventSizedPieces) {
  Collector c;
  auto p = c.Parser(false);
  // The engine splits long lines into records; the pipeline cuts at the
  // CloudWatch event limit and never holds more than that.
  std::string chunk(100000, 'a');
  for (int i = 0; i < 6; ++i) p.Feed(Frame(1, std::string(kTs0) + " " + chunk));
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].text.size(), kMaxLogEventMessageBytes);
  p.Feed(Frame(1, std::string(kTs1) + " end\n"));
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[2].text.size(), 600000 - 2 * kMaxLogEventMessageBytes + 3);
  EXPECT_EQ(c.lines[2].ts, kT0);
}

TEST(LogPipelineParser, LinesCarryTheOffsetsPastThem) {
  Collector c;
  auto p = c.Parser(false);
  p.Feed(Frame(1, std::string(kTs0) + " ab\n") + Frame(2, std::string(kTs0) + " e\n") +
         Frame(1, std::string(kTs0) + " \n") + Frame(1, std::string(kTs1) + " par") +
         Frame(1, std::string(kTs1) + " t\n"));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"ab", "e", "part"}));
  EXPECT_EQ(c.after, (std::vector<OutputOffsets>{{3, 0}, {3, 2}, {9, 2}}));  // the empty line counts
  EXPECT_EQ(p.emitted(), (OutputOffsets{9, 2}));
  p.Feed(Frame(2, std::string(kTs1) + " held"));
  EXPECT_EQ(p.consumed(), (OutputOffsets{9, 6}));
  EXPECT_EQ(p.emitted(), (OutputOffsets{9, 2}));
}

// Reading the log again after a broken stream, from the window the parser
// gives: lines of the same second (same millisecond even) are not repeated,
// and the record cut off mid-way goes on where it broke.
TEST(LogPipelineParser, ReadingAgainRepeatsNothing) {
  Collector c;
  auto p = c.Parser(false);
  std::string a = Frame(1, std::string(kTs0) + " a\n"), b1 = Frame(1, std::string(kTs1) + " b\n"),
              b2 = Frame(1, std::string(kTs1) + " b\n"), e = Frame(2, std::string(kTs1) + " e\n"),
              b3 = Frame(1, std::string(kTs1) + " b3\n");
  p.Feed(a + b1 + e + b2 + b3.substr(0, 8 + 26));  // breaks inside b3's text
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"a", "b", "e", "b"}));
  auto w = p.NextWindow();
  EXPECT_EQ(w.since_s, kT0 / 1000);  // a second before the newest record
  EXPECT_EQ(w.start, (OutputOffsets{0, 0}));
  p.Restart(w);
  p.Feed(a + b1 + e + b2 + b3 + Frame(2, "2026-11-25T08:47:25Z c\n"));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"a", "b", "e", "b", "b3", "c"}));
  // The next read starts at the first records of 08:47:24 (b1 and e).
  w = p.NextWindow();
  EXPECT_EQ(w.since_s, kT0 / 1000 + 1);
  EXPECT_EQ(w.start, (OutputOffsets{2, 0}));
  p.Restart(w);
  p.Feed(b1 + e + b2 + b3 + Frame(2, "2026-11-25T08:47:25Z c\n") + Frame(1, "2026-11-25T08:47:26Z d\n"));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"a", "b", "e", "b", "b3", "c", "d"}));
  EXPECT_EQ(p.emitted(), (OutputOffsets{11, 4}));
}

// Adoption: what was stored (up to the offsets stored with it) is skipped,
// even when the stored part ends inside a record (a long line shipped in
// pieces, or a partial line flushed at shutdown).
TEST(LogPipelineParser, SkipToResumesInsideARecord) {
  Collector c;
  auto p = c.Parser(false);
  p.SkipTo({5, 1});
  p.Feed(Frame(1, std::string(kTs0) + " 1\n2\n34\n") + Frame(2, std::string(kTs0) + " xy\n") +
         Frame(1, std::string(kTs0) + " 5\n"));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"4", "y", "5"}));
  EXPECT_EQ(c.after, (std::vector<OutputOffsets>{{7, 1}, {7, 3}, {9, 3}}));
}

// The attach stream broke while the container runs: the engine's log, read
// from the first byte with the same parser, ships only what came after.
TEST(LogPipelineParser, TheLogGoesOnWhereTheAttachStreamStopped) {
  Collector c;
  auto p = c.Parser(false);
  p.FeedOutput(runtime::StreamKind::kStdout, "one\ntw", 100);
  p.FeedOutput(runtime::StreamKind::kStderr, "err\n", 100);
  auto w = p.NextWindow();
  EXPECT_EQ(w.since_s, 0);
  p.Restart(w);
  p.Feed(Frame(1, std::string(kTs0) + " one\n") + Frame(2, std::string(kTs0) + " err\n") +
         Frame(1, std::string(kTs0) + " two\n") + Frame(1, std::string(kTs1) + " three\n"));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"one", "err", "two", "three"}));
  EXPECT_EQ(c.lines[2].ts, 100);  // the line began in the attach stream
}

TEST(LogPipelineBatcher, FlushesAtTheEventLimit) {
  std::vector<std::vector<IngestedEvent>> out;
  LineBatcher b({3, 1 << 20, 100}, [&](std::vector<IngestedEvent>&& e, size_t) { out.push_back(std::move(e)); });
  for (int i = 0; i < 7; ++i) b.Add(i, "l" + std::to_string(i), 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].size(), 3u);
  EXPECT_EQ(out[1][0].message, "l3");
  EXPECT_EQ(b.events(), 1u);
  b.Flush();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2][0].message, "l6");
  EXPECT_EQ(out[2][0].timestamp_ms, 6);
}

TEST(LogPipelineBatcher, FlushesBeforeTheByteLimitWouldBeExceeded) {
  std::vector<size_t> sizes, bytes;
  LineBatcher b({10000, 100, 100}, [&](std::vector<IngestedEvent>&& e, size_t n) {
    sizes.push_back(e.size());
    bytes.push_back(n);
  });
  std::string msg(24, 'x');  // 50 bytes with the per-event overhead
  for (int i = 0; i < 5; ++i) b.Add(0, msg, 0);
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2}));
  EXPECT_EQ(bytes, (std::vector<size_t>{100, 100}));
  b.Add(0, std::string(60, 'y'), 0);  // 86 bytes: does not fit after the pending 50
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(b.bytes(), 86u);
}

TEST(LogPipelineBatcher, DueAfterTheDelaySinceTheFirstLine) {
  int emitted = 0;
  LineBatcher b({10000, 1 << 20, 100}, [&](std::vector<IngestedEvent>&&, size_t) { ++emitted; });
  EXPECT_FALSE(b.Due(1000));
  b.Add(1, "a", 1000);
  b.Add(1, "b", 1090);
  EXPECT_FALSE(b.Due(1099));
  EXPECT_TRUE(b.Due(1100));
  size_t bytes = 0;
  auto taken = b.Take(&bytes);
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_EQ(bytes, 2 + 2 * kLogEventOverheadBytes);
  EXPECT_FALSE(b.Due(5000));
  b.PutBack(std::move(taken), bytes);
  EXPECT_EQ(b.events(), 2u);
  EXPECT_EQ(emitted, 0);
}

LogBatch Batch(size_t events, size_t bytes) {
  LogBatch b;
  b.spec = std::make_shared<const runtime::AwsLogsSpec>();
  b.events.resize(events);
  b.bytes = bytes;
  return b;
}

TEST(LogPipelineQueue, DropsAndCountsWhenFull) {
  BatchQueue q(2, 1000);
  EXPECT_TRUE(q.Push(Batch(5, 100), 0ms));
  EXPECT_TRUE(q.Push(Batch(6, 100), 0ms));
  EXPECT_FALSE(q.Push(Batch(7, 100), 5ms));  // no room: batch count
  EXPECT_EQ(q.dropped_batches(), 1u);
  EXPECT_EQ(q.dropped_events(), 7u);
  auto first = q.Pop(0ms);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->events.size(), 5u);  // FIFO
  EXPECT_FALSE(q.Push(Batch(3, 901), 0ms));  // no room: bytes
  EXPECT_EQ(q.dropped_events(), 10u);
  LogBatch keep = Batch(4, 901);
  EXPECT_FALSE(q.TryPush(keep));  // not dropped, not counted
  EXPECT_EQ(keep.events.size(), 4u);
  EXPECT_EQ(q.dropped_batches(), 2u);
  ASSERT_TRUE(q.Pop(0ms));
  EXPECT_FALSE(q.Pop(1ms));
  EXPECT_TRUE(q.Push(Batch(1, 5000), 0ms));  // larger than the bound, but alone
  EXPECT_EQ(q.size(), 1u);
}

TEST(LogPipelineQueue, PushWaitsForRoom) {
  BatchQueue q(1, 1000);
  ASSERT_TRUE(q.Push(Batch(1, 10), 0ms));
  std::thread consumer([&] {
    std::this_thread::sleep_for(20ms);
    (void)q.Pop(0ms);
  });
  EXPECT_TRUE(q.Push(Batch(2, 10), 2000ms));
  consumer.join();
  EXPECT_EQ(q.dropped_batches(), 0u);
}

TEST(LogPipelineLifecycle, StopsPromptlyWithoutAnEngine) {
  runtime::EngineClient engine({"/nonexistent/fargo-test.sock"});
  SystemClock clock;
  int batches = 0;
  LogPipeline p(engine, clock,
                [&](const runtime::AwsLogsSpec&, std::vector<IngestedEvent>, const LogCursor&) { ++batches; });
  p.Follow("before-start", {"us-east-1", "g", "s", true}, false, std::nullopt);  // ignored
  ASSERT_TRUE(p.Start().ok());
  EXPECT_EQ(p.stats().followers, 0u);
  p.Follow("abc", {"us-east-1", "g", "s", true}, false, std::nullopt);
  EXPECT_EQ(p.stats().followers, 1u);
  p.Unfollow("abc");
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200 && p.stats().followers > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p.stats().followers, 0u);  // gave up: unfollowed and the engine does not answer
  p.Follow("def", {"us-east-1", "g", "s", true}, false, std::nullopt);
  p.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(batches, 0);
  p.Stop();  // idempotent
}

}  // namespace
}  // namespace fargo::dataplane
