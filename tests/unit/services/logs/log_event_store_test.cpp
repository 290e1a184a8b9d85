// LogEventStore: batches stored as chunks read back as one ordered sequence.
#include "services/logs/log_event_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace fargo::services::logs {
namespace {

class LogsEventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    db_ = std::move(s).value();
    events_ = std::make_unique<LogEventStore>(*db_);
    ASSERT_TRUE(events_->Init().ok());
  }

  // Appends one batch to stream `sid` of group 1: messages "m<ts>".
  void Put(int64_t sid, std::vector<int64_t> timestamps) {
    std::vector<std::string> msgs;
    for (auto ts : timestamps) msgs.push_back("s" + std::to_string(sid) + "@" + std::to_string(ts));
    std::vector<LogEventStore::NewEvent> batch;
    for (size_t i = 0; i < timestamps.size(); ++i) batch.push_back({timestamps[i], msgs[i]});
    ASSERT_TRUE(events_->Append(1, sid, 1000, batch).ok());
  }

  std::vector<std::string> Forward(int64_t sid, int64_t start = 0, int64_t end = INT64_MAX,
                                   Position after = Position::Min(), size_t limit = 100) {
    std::vector<std::string> out;
    auto st = events_->ScanStreamForward(sid, start, end, after, [&](StoredEvent& e) {
      out.push_back(e.message);
      return out.size() < limit;
    });
    EXPECT_TRUE(st.ok());
    return out;
  }

  std::vector<std::string> Backward(int64_t sid, Position before = Position::Max(), size_t limit = 100) {
    std::vector<std::string> out;
    auto st = events_->ScanStreamBackward(sid, 0, INT64_MAX, before, [&](StoredEvent& e) {
      out.push_back(e.message);
      return out.size() < limit;
    });
    EXPECT_TRUE(st.ok());
    return out;
  }

  std::unique_ptr<store::Store> db_;
  std::unique_ptr<LogEventStore> events_;
};

TEST_F(LogsEventStoreTest, OverlappingBatchesReadInTimestampOrder) {
  Put(7, {10, 20, 30});
  Put(7, {15, 25});
  Put(7, {5});
  EXPECT_EQ(Forward(7), (std::vector<std::string>{"s7@5", "s7@10", "s7@15", "s7@20", "s7@25", "s7@30"}));
  EXPECT_EQ(Backward(7), (std::vector<std::string>{"s7@30", "s7@25", "s7@20", "s7@15", "s7@10", "s7@5"}));
}

TEST_F(LogsEventStoreTest, EqualTimestampsKeepInsertionOrder) {
  Put(7, {10, 10});
  Put(7, {10});
  std::vector<int64_t> ids;
  ASSERT_TRUE(events_->ScanStreamForward(7, 0, INT64_MAX, Position::Min(), [&](StoredEvent& e) {
    ids.push_back(e.id);
    return true;
  }).ok());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
}

TEST_F(LogsEventStoreTest, TimeRangeIsStartInclusiveEndExclusive) {
  Put(7, {10, 20, 30, 40});
  EXPECT_EQ(Forward(7, 20, 40), (std::vector<std::string>{"s7@20", "s7@30"}));
}

TEST_F(LogsEventStoreTest, PositionsResumeStrictlyAfterOrBefore) {
  Put(7, {10, 20, 30});
  std::vector<StoredEvent> first;
  ASSERT_TRUE(events_->ScanStreamForward(7, 0, INT64_MAX, Position::Min(), [&](StoredEvent& e) {
    first.push_back(e);
    return first.size() < 2;
  }).ok());
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(Forward(7, 0, INT64_MAX, first[1].position()), (std::vector<std::string>{"s7@30"}));
  EXPECT_EQ(Backward(7, first[1].position()), (std::vector<std::string>{"s7@10"}));
}

TEST_F(LogsEventStoreTest, GroupScanInterleavesStreams) {
  Put(7, {10, 30});
  Put(8, {20, 40});
  std::vector<std::string> out;
  ASSERT_TRUE(events_->ScanGroupForward(1, 0, INT64_MAX, Position::Min(), [&](StoredEvent& e) {
    out.push_back(e.message);
    return true;
  }).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"s7@10", "s8@20", "s7@30", "s8@40"}));
}

TEST_F(LogsEventStoreTest, DeletesByStreamGroupAndExpiry) {
  Put(7, {10, 20});
  Put(7, {100, 200});
  Put(8, {60});
  ASSERT_TRUE(events_->ExpireGroup(1, 50).ok());  // drops the chunk ending at 20
  EXPECT_EQ(Forward(7), (std::vector<std::string>{"s7@100", "s7@200"}));
  ASSERT_TRUE(events_->DeleteStream(7).ok());
  EXPECT_TRUE(Forward(7).empty());
  EXPECT_EQ(Forward(8), (std::vector<std::string>{"s8@60"}));
  EXPECT_EQ(events_->MaxReferencedId(), 8);
  ASSERT_TRUE(events_->DeleteGroup(1).ok());
  EXPECT_TRUE(Forward(8).empty());
}

TEST_F(LogsEventStoreTest, MessagesKeepArbitraryBytes) {
  std::string msg("a\0b\xff\n", 5);
  ASSERT_TRUE(events_->Append(1, 7, 1, {{10, msg}}).ok());
  std::vector<std::string> out;
  ASSERT_TRUE(events_->ScanStreamForward(7, 0, INT64_MAX, Position::Min(), [&](StoredEvent& e) {
    out.push_back(e.message);
    return true;
  }).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], msg);
}

}  // namespace
}  // namespace fargo::services::logs
