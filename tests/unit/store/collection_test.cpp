// Store and Collection: documents are durable once Put returns, visible in
// key order, and come back whole after the store is reopened.
#include "store/collection.h"

#include <gtest/gtest.h>

#include "temp_dir.h"


namespace fargo::store {
namespace {

namespace json = boost::json;

class StoreOnDisk : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = Store::Open(dir_.str());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }

  test_util::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreOnDisk, DocumentsSurviveReopen) {
  {
    Collection c(*store_, "things");
    ASSERT_TRUE(c.Load().ok());
    ASSERT_TRUE(c.Put(Collection::Key("us-east-1", "a"), json::object{{"n", 1}}).ok());
    ASSERT_TRUE(c.Put(Collection::Key("us-east-1", "b"), json::object{{"n", 2}}).ok());
    ASSERT_TRUE(c.Erase(Collection::Key("us-east-1", "a")).ok());
  }
  Reopen();
  Collection c(*store_, "things");
  ASSERT_TRUE(c.Load().ok());
  EXPECT_EQ(c.Find("us-east-1/a"), nullptr);
  ASSERT_NE(c.Find("us-east-1/b"), nullptr);
  EXPECT_EQ(c.Find("us-east-1/b")->at("n"), 2);
}

TEST_F(StoreOnDisk, CollectionsDoNotSeeEachOther) {
  Collection a(*store_, "a"), b(*store_, "b");
  ASSERT_TRUE(a.Put("k", json::object{{"from", "a"}}).ok());
  ASSERT_TRUE(b.Put("k", json::object{{"from", "b"}}).ok());
  Reopen();
  Collection a2(*store_, "a");
  ASSERT_TRUE(a2.Load().ok());
  ASSERT_EQ(a2.all().size(), 1u);
  EXPECT_EQ(a2.Find("k")->at("from"), "a");
}

TEST_F(StoreOnDisk, FailedTransactionLeavesNothing) {
  Status st = store_->Transaction([&]() -> Status {
    FARGO_TRY(store_->PutDoc("t", "x", json::object{{"v", 1}}));
    return AwsError::Make("Boom", "rolled back");
  });
  EXPECT_FALSE(st.ok());
  Reopen();
  Collection c(*store_, "t");
  ASSERT_TRUE(c.Load().ok());
  EXPECT_TRUE(c.all().empty());
}

TEST(Collection, ForEachPrefixVisitsOneRegionInKeyOrder) {
  auto s = Store::Open(":memory:");
  ASSERT_TRUE(s.ok());
  Collection c(*s.value(), "r");
  for (const char* k : {"eu-west-1/b", "us-east-1/b", "us-east-1/a", "us-east-10/z"})
    ASSERT_TRUE(c.Put(k, json::object{}).ok());
  std::vector<std::string> seen;
  c.ForEachPrefix("us-east-1/", [&](const std::string& k, const json::object&) { seen.push_back(k); });
  EXPECT_EQ(seen, (std::vector<std::string>{"us-east-1/a", "us-east-1/b"}));
}

}  // namespace
}  // namespace fargo::store
