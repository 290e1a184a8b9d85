// PullRegistry: the pulls under way, fed and read from several threads.
#include "runtime/pull_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace fargo::runtime {
namespace {

namespace json = boost::json;

json::object Downloading(const std::string& id, int64_t current, int64_t total) {
  return json::object{{"status", "Downloading"},
                      {"id", id},
                      {"progressDetail", json::object{{"current", current}, {"total", total}}}};
}

TEST(PullRegistry, APullIsVisibleFromBeginToFinish) {
  PullRegistry r;
  std::string id = r.Begin("docker.io/library/alpine:3.20", "arn:task/1");
  EXPECT_EQ(id, "pull-1");
  r.Feed(id, Downloading("aaa", 25, 100));
  auto p = r.Get(id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->image, "docker.io/library/alpine:3.20");
  EXPECT_EQ(p->owner, "arn:task/1");
  EXPECT_EQ(p->Percent(), 25);
  EXPECT_GT(p->started_at, 0);
  r.Finish(id, OkStatus());
  p = r.Get(id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, PullProgress::State::kDone);
  r.Feed(id, Downloading("bbb", 1, 100));  // after the end: ignored
  EXPECT_EQ(r.Get(id)->layers.size(), 1u);
  EXPECT_FALSE(r.Get("pull-99"));
  EXPECT_FALSE(r.Get("nonsense"));
}

TEST(PullRegistry, ListsPullsUnderWayThenFinishedOnesAndForgetsTheOldest) {
  PullRegistry r(2);
  std::string a = r.Begin("a", ""), b = r.Begin("b", ""), c = r.Begin("c", ""), d = r.Begin("d", "");
  r.Finish(a, OkStatus());
  r.Finish(b, AwsError::Make("CannotPullContainerError", "no such host", 500));
  r.Finish(b, OkStatus());  // twice: still one entry, still failed
  auto l = r.List();
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].image, "c");
  EXPECT_EQ(l[1].image, "d");
  EXPECT_EQ(l[2].image, "a");
  EXPECT_EQ(l[3].image, "b");
  EXPECT_EQ(l[3].state, PullProgress::State::kFailed);
  r.Finish(c, OkStatus());  // a third finished: the oldest finished goes
  l = r.List();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_FALSE(r.Get(a));
  EXPECT_EQ(l[0].image, "d");
  EXPECT_EQ(l[1].image, "b");
  EXPECT_EQ(l[2].image, "c");
}

TEST(PullRegistry, FeedsAndReadsFromManyThreads) {
  PullRegistry r(4);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop)
      for (const auto& p : r.List()) EXPECT_LE(p.BytesDone(), p.BytesTotal());
  });
  std::vector<std::thread> pullers;
  for (int t = 0; t < 4; ++t)
    pullers.emplace_back([&r, t] {
      for (int k = 0; k < 20; ++k) {
        std::string id = r.Begin("image-" + std::to_string(t), "");
        for (int i = 0; i <= 100; ++i) r.Feed(id, Downloading("layer", i, 100));
        r.Finish(id, OkStatus());
      }
    });
  for (auto& p : pullers) p.join();
  stop = true;
  reader.join();
  auto l = r.List();
  ASSERT_EQ(l.size(), 4u);
  for (const auto& p : l) {
    EXPECT_EQ(p.state, PullProgress::State::kDone);
    EXPECT_EQ(p.BytesDone(), 100);
  }
}

}  // namespace
}  // namespace fargo::runtime
