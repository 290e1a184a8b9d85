// InputBacklog: full over its limit, and a drain reported once it is down
// to half after a refusal, from whichever thread released the bytes.
#include "dataplane/sessions/input_backlog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace fargo::dataplane::sessions {
namespace {

TEST(InputBacklog, FullOnlyOverItsLimit) {
  int drains = 0;
  InputBacklog b(100, [&] { ++drains; });
  b.Add(100);
  EXPECT_FALSE(b.Full());
  b.Add(1);
  EXPECT_TRUE(b.Full());
  EXPECT_EQ(b.bytes(), 101);
}

TEST(InputBacklog, ADrainIsReportedOnceAtHalfAfterARefusal) {
  int drains = 0;
  InputBacklog b(100, [&] { ++drains; });
  b.Add(150);
  b.Release(100);  // no one was refused: nothing to report
  EXPECT_EQ(drains, 0);
  b.Add(100);
  ASSERT_TRUE(b.Full());
  b.Release(80);  // 70: taking again, but not down to half yet
  EXPECT_EQ(drains, 0);
  EXPECT_FALSE(b.Full());
  b.Release(20);  // 50
  EXPECT_EQ(drains, 1);
  b.Release(50);
  EXPECT_EQ(drains, 1);  // once per refusal
}

TEST(InputBacklog, EveryRefusalIsFollowedByADrainAcrossThreads) {
  std::atomic<int> drains{0};
  InputBacklog b(1000, [&] { ++drains; });
  for (int round = 0; round < 200; ++round) {
    b.Add(2000);
    ASSERT_TRUE(b.Full());
    int before = drains.load();
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) ts.emplace_back([&] {
      for (int k = 0; k < 50; ++k) b.Release(10);
    });
    for (auto& t : ts) t.join();
    EXPECT_EQ(b.bytes(), 0);
    EXPECT_EQ(drains.load(), before + 1);
  }
}

}  // namespace
}  // namespace fargo::dataplane::sessions
