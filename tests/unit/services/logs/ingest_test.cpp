// LogsService::IngestEvents: the awslogs driver's way into CloudWatch Logs,
// read back through the public operations in-process.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "services/logs/logs_service.h"

namespace fargo::services {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

class LogsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    db_ = std::move(s).value();
    logs_ = std::make_unique<LogsService>(Env{*db_, clock_, ids_});
    ASSERT_TRUE(logs_->Start().ok());
  }

  // Calls an operation as the gateway would (in us-east-1).
  Result<json::object> Call(const std::string& op, json::object in) {
    const auto* model = protocol::ModelRegistry::Instance().Get("logs");
    EXPECT_NE(model, nullptr);
    const auto* operation = model->FindOperation(op);
    EXPECT_NE(operation, nullptr);
    protocol::HttpRequest http;
    CallContext ctx{"us-east-1", "000000000000", "req", "AKID", *model, *operation, http};
    return logs_->Invoke(ctx, in);
  }

  std::vector<std::string> Messages(const std::string& group, const std::string& stream) {
    auto r = Call("GetLogEvents", {{"logGroupName", group}, {"logStreamName", stream}, {"startFromHead", true}});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& e : r->at("events").as_array()) out.emplace_back(e.at("message").as_string());
    return out;
  }

  json::object Stream(const std::string& group, const std::string& stream) {
    auto r = Call("DescribeLogStreams", {{"logGroupName", group}, {"logStreamNamePrefix", stream}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->at("logStreams").as_array().size(), 1u);
    return r->at("logStreams").as_array().at(0).as_object();
  }

  static std::vector<IngestedEvent> Events(std::vector<std::pair<int64_t, std::string>> in) {
    std::vector<IngestedEvent> out;
    for (auto& [ts, m] : in) out.push_back({ts, m});
    return out;
  }

  FakeClock clock_{kNow};
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<LogsService> logs_;
};

TEST_F(LogsIngestTest, CreatesGroupAndStreamWhenAsked) {
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "/ecs/web", "ecs/app/t1", true,
                                  Events({{kNow - 2, "one"}, {kNow - 1, "two"}})).ok());
  EXPECT_EQ(Messages("/ecs/web", "ecs/app/t1"), (std::vector<std::string>{"one", "two"}));
  auto groups = Call("DescribeLogGroups", {});
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->at("logGroups").as_array().size(), 1u);
  EXPECT_EQ(groups->at("logGroups").as_array()[0].at("logGroupName"), "/ecs/web");
  EXPECT_EQ(groups->at("logGroups").as_array()[0].at("logGroupClass"), "STANDARD");
}

TEST_F(LogsIngestTest, MissingGroupWithoutCreateIsNotFoundAndDropsTheBatch) {
  auto st = logs_->IngestEvents("us-east-1", "/ecs/none", "s", false, Events({{kNow, "lost"}}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "ResourceNotFoundException");
  auto groups = Call("DescribeLogGroups", {});
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->at("logGroups").as_array().empty());
}

TEST_F(LogsIngestTest, ExistingGroupGetsANewStream) {
  ASSERT_TRUE(Call("CreateLogGroup", {{"logGroupName", "/ecs/api"}}).ok());
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "/ecs/api", "p/c/1", false, Events({{kNow, "hello"}})).ok());
  EXPECT_EQ(Messages("/ecs/api", "p/c/1"), (std::vector<std::string>{"hello"}));
  // Another region does not see it.
  auto st = logs_->IngestEvents("eu-west-1", "/ecs/api", "p/c/1", false, Events({{kNow, "x"}}));
  EXPECT_FALSE(st.ok());
}

TEST_F(LogsIngestTest, BatchesAppendInOrderAndKeepBookkeeping) {
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true,
                                  Events({{kNow - 30, "a"}, {kNow - 20, "bb"}})).ok());
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true,
                                  Events({{kNow - 20, "ccc"}, {kNow - 10, "dddd"}})).ok());
  EXPECT_EQ(Messages("g", "s"), (std::vector<std::string>{"a", "bb", "ccc", "dddd"}));
  json::object s = Stream("g", "s");
  EXPECT_EQ(s.at("firstEventTimestamp").as_int64(), kNow - 30);
  EXPECT_EQ(s.at("lastEventTimestamp").as_int64(), kNow - 10);
  EXPECT_EQ(s.at("lastIngestionTime").as_int64(), kNow);
  EXPECT_EQ(s.at("storedBytes").as_int64(), 10);

  // PutLogEvents continues the same sequence: a new stream starts at 1, two
  // batches later the next token says 4.
  auto put = Call("PutLogEvents",
                  {{"logGroupName", "g"},
                   {"logStreamName", "s"},
                   {"logEvents", json::array{json::object{{"timestamp", kNow}, {"message", "e"}}}}});
  ASSERT_TRUE(put.ok());
  std::string token(put->at("nextSequenceToken").as_string());
  EXPECT_EQ(token.back(), '4');
  EXPECT_EQ(Messages("g", "s").back(), "e");
}

TEST_F(LogsIngestTest, UnorderedBatchIsSortedStablyAndEmptyMessagesSkipped) {
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true,
                                  Events({{kNow - 5, "late-1"}, {kNow - 9, "early"}, {kNow - 5, ""},
                                          {kNow - 5, "late-2"}})).ok());
  EXPECT_EQ(Messages("g", "s"), (std::vector<std::string>{"early", "late-1", "late-2"}));
}

TEST_F(LogsIngestTest, MoreThanTenThousandEventsInOneCall) {
  std::vector<IngestedEvent> batch;
  for (int i = 0; i < 25'000; ++i) batch.push_back({kNow - 25'000 + i, "line " + std::to_string(i)});
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, std::move(batch)).ok());
  std::vector<std::string> got;
  json::object in{{"logGroupName", "g"}, {"logStreamName", "s"}, {"startFromHead", true}};
  for (int page = 0; page < 10; ++page) {
    auto r = Call("GetLogEvents", in);
    ASSERT_TRUE(r.ok());
    if (r->at("events").as_array().empty()) break;
    for (const auto& e : r->at("events").as_array()) got.emplace_back(e.at("message").as_string());
    in["nextToken"] = r->at("nextForwardToken");
  }
  ASSERT_EQ(got.size(), 25'000u);
  for (int i = 0; i < 25'000; i += 4999) EXPECT_EQ(got[i], "line " + std::to_string(i));
  EXPECT_EQ(got.back(), "line 24999");
}

TEST_F(LogsIngestTest, OversizedMessagesAreSplitAtUtf8Boundaries) {
  // "é" is two bytes; an odd prefix makes the limit fall inside one.
  std::string big = "x";
  while (big.size() < kMaxLogEventMessageBytes + 100) big += "\xC3\xA9";
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, Events({{kNow, big}})).ok());
  auto got = Messages("g", "s");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_LE(got[0].size(), kMaxLogEventMessageBytes);
  EXPECT_EQ(got[0].size() % 2, 1u);  // ends after a whole "é"
  EXPECT_EQ(got[0] + got[1], big);
}

TEST_F(LogsIngestTest, TooOldAndTooNewEventsAreDroppedLikePutLogEvents) {
  const int64_t day = 24LL * 3600 * 1000;
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true,
                                  Events({{kNow - 15 * day, "old"}, {kNow, "now"}, {kNow + 3 * 3600 * 1000, "new"}}))
                  .ok());
  EXPECT_EQ(Messages("g", "s"), (std::vector<std::string>{"now"}));
}

TEST_F(LogsIngestTest, EmptyBatchCreatesTheStream) {
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, {}).ok());
  json::object s = Stream("g", "s");
  EXPECT_EQ(s.at("storedBytes").as_int64(), 0);
  EXPECT_TRUE(Messages("g", "s").empty());
}

TEST_F(LogsIngestTest, VisibleToFilterLogEvents) {
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true,
                                  Events({{kNow - 2, "GET /ok 200"}, {kNow - 1, "GET /boom 500"}})).ok());
  auto r = Call("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "500"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->at("events").as_array().size(), 1u);
  EXPECT_EQ(r->at("events").as_array()[0].at("message"), "GET /boom 500");
  EXPECT_EQ(r->at("events").as_array()[0].at("logStreamName"), "s");
}

// The log pipeline's resume point: stored with each batch, by container,
// the newest one winning; gone with the stream.
TEST_F(LogsIngestTest, CursorsAreStoredWithTheirBatch) {
  EXPECT_TRUE(logs_->IngestCursors("us-east-1", "g", "s").empty());
  LogCursor a1{"aaa", {10, 0}}, b1{"bbb", {4, 2}}, a2{"aaa", {25, 7}};
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, Events({{kNow, "a"}}), &a1).ok());
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, Events({{kNow, "b"}}), &b1).ok());
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, Events({{kNow, "a2"}}), &a2).ok());
  auto cursors = logs_->IngestCursors("us-east-1", "g", "s");
  EXPECT_EQ(cursors, (std::map<std::string, OutputOffsets>{{"aaa", {25, 7}}, {"bbb", {4, 2}}}));
  EXPECT_TRUE(logs_->IngestCursors("us-east-1", "g", "other").empty());
  EXPECT_TRUE(logs_->IngestCursors("eu-west-1", "g", "s").empty());

  // Not stored when the batch is not.
  LogCursor lost{"ccc", {1, 1}};
  EXPECT_FALSE(logs_->IngestEvents("us-east-1", "/none", "s", false, Events({{kNow, "x"}}), &lost).ok());
  EXPECT_TRUE(logs_->IngestCursors("us-east-1", "/none", "s").empty());

  ASSERT_TRUE(Call("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}}).ok());
  ASSERT_TRUE(logs_->IngestEvents("us-east-1", "g", "s", true, {}).ok());
  EXPECT_TRUE(logs_->IngestCursors("us-east-1", "g", "s").empty());
}

}  // namespace
}  // namespace fargo::services
