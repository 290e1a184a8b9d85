// The pure parts of S3: aws-chunked framing, addressing, bucket names and
// the listing pager.
#include <gtest/gtest.h>

#include <map>

#include "services/s3/aws_chunked.h"
#include "services/s3/list_pager.h"
#include "services/s3/s3_address.h"

namespace fargo::services::s3 {
namespace {

TEST(S3AwsChunked, SignedChunks) {
  std::string body =
      "5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=000\r\n\r\n";
  auto d = DecodeAwsChunked(body);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "hello world");
  EXPECT_TRUE(d->trailers.empty());
}

TEST(S3AwsChunked, UnsignedWithTrailer) {
  std::string body = "a\r\n0123456789\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  auto d = DecodeAwsChunked(body);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, "0123456789");
  EXPECT_EQ(d->trailers.at("x-amz-checksum-crc32"), "AAAAAA==");
}

TEST(S3AwsChunked, Malformed) {
  EXPECT_FALSE(DecodeAwsChunked("zz\r\nabc\r\n0\r\n\r\n"));
  EXPECT_FALSE(DecodeAwsChunked("10\r\nshort\r\n"));
  EXPECT_FALSE(DecodeAwsChunked("no framing at all"));
}

TEST(S3Address, VirtualHosts) {
  EXPECT_EQ(VirtualHostBucket("b1.s3.amazonaws.com"), "b1");
  EXPECT_EQ(VirtualHostBucket("my.bucket.s3.eu-west-1.amazonaws.com"), "my.bucket");
  EXPECT_EQ(VirtualHostBucket("b2.localhost:4566"), "b2");
  EXPECT_EQ(VirtualHostBucket("b3.s3.localhost.localstack.cloud:4566"), "b3");
  EXPECT_EQ(VirtualHostBucket("b4.s3-us-west-2.amazonaws.com"), "b4");
  EXPECT_FALSE(VirtualHostBucket("localhost:4566"));
  EXPECT_FALSE(VirtualHostBucket("127.0.0.1:4566"));
  EXPECT_FALSE(VirtualHostBucket("s3.amazonaws.com"));
  EXPECT_FALSE(VirtualHostBucket("s3.localhost.localstack.cloud:4566"));
  EXPECT_FALSE(VirtualHostBucket("localhost.localstack.cloud"));
  EXPECT_FALSE(VirtualHostBucket("[::1]:4566"));
  EXPECT_FALSE(VirtualHostBucket("b5.localhostx.com"));
}

TEST(S3Address, PathAndKeyDecoding) {
  auto a = ParseAddress("127.0.0.1:1", "/bkt/dir/a%20b%2Fc%25d");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "dir/a b/c%d");
  auto v = ParseAddress("bkt.s3.amazonaws.com", "/x/y.txt");
  EXPECT_EQ(v.bucket, "bkt");
  EXPECT_EQ(v.key, "x/y.txt");
  auto b = ParseAddress("localhost", "/bkt");
  EXPECT_EQ(b.bucket, "bkt");
  EXPECT_EQ(b.key, "");
  auto s = ParseAddress("localhost", "/");
  EXPECT_EQ(s.bucket, "");
  auto plus = ParseAddress("localhost", "/bkt/a+b");
  EXPECT_EQ(plus.key, "a+b");  // '+' in a path is literal
}

TEST(S3BucketName, Rules) {
  for (std::string ok : {std::string("abc"), std::string("my-bucket.logs"), std::string("a1b"), std::string("0-0"), std::string(63, 'a')})
    EXPECT_TRUE(IsValidBucketName(ok)) << ok;
  for (const char* bad : {"ab", "ABC", "my_bucket", "-abc", "abc-", "a..b", "a.-b", "192.168.1.1", "xn--abc",
                          "abc-s3alias", "abc--ol-s3", "has space"})
    EXPECT_FALSE(IsValidBucketName(bad)) << bad;
  EXPECT_FALSE(IsValidBucketName(std::string(64, 'a')));
}

// A sorted key space for the pager.
struct Keys {
  std::vector<std::string> keys;
  int fetches = 0;
  Page<std::string> List(PageRequest req) {
    std::function<std::vector<std::string>(const std::string&, bool, size_t)> fetch =
        [this, req](const std::string& from, bool inclusive, size_t limit) {
          ++fetches;
          std::vector<std::string> out;
          for (const auto& k : keys) {
            if (k.compare(0, req.prefix.size(), req.prefix) != 0) continue;
            if (inclusive ? k < from : k <= from) continue;
            out.push_back(k);
            if (out.size() == limit) break;
          }
          return out;
        };
    std::function<const std::string&(const std::string&)> key_of = [](const std::string& k) -> const std::string& {
      return k;
    };
    return ListPage<std::string>(req, fetch, key_of);
  }
};

TEST(S3ListPager, DelimiterRollsUp) {
  Keys ks{{"a.txt", "dir/1", "dir/2", "dir/sub/3", "e/x", "z"}};
  auto p = ks.List({"", "/", "", "", 1000});
  EXPECT_EQ(p.contents, (std::vector<std::string>{"a.txt", "z"}));
  EXPECT_EQ(p.prefixes, (std::vector<std::string>{"dir/", "e/"}));
  EXPECT_FALSE(p.truncated);
  auto q = ks.List({"dir/", "/", "", "", 1000});
  EXPECT_EQ(q.contents, (std::vector<std::string>{"dir/1", "dir/2"}));
  EXPECT_EQ(q.prefixes, (std::vector<std::string>{"dir/sub/"}));
}

TEST(S3ListPager, PaginatesWithContinuationAndMarker) {
  Keys ks{{"a", "b/1", "b/2", "c", "d"}};
  std::vector<std::string> seen;
  PageRequest req{"", "/", "", "", 2};
  for (int i = 0; i < 10; ++i) {
    auto p = ks.List(req);
    for (auto& k : p.contents) seen.push_back(k);
    for (auto& k : p.prefixes) seen.push_back(k);
    if (!p.truncated) break;
    req.from = p.next_from;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b/", "c", "d"}));
  // v1: NextMarker is the last key or prefix; a prefix marker skips the prefix.
  auto p1 = ks.List({"", "/", "", "", 2});
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.last, "b/");
  auto p2 = ks.List({"", "/", p1.last, "", 2});
  EXPECT_EQ(p2.contents, (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(p2.truncated);
}

TEST(S3ListPager, ExactPageIsNotTruncated) {
  Keys ks{{"a", "b"}};
  auto p = ks.List({"", "", "", "", 2});
  EXPECT_EQ(p.contents.size(), 2u);
  EXPECT_FALSE(p.truncated);
  auto s = ks.List({"", "", "a", "", 10});
  EXPECT_EQ(s.contents, (std::vector<std::string>{"b"}));
}

TEST(S3ListPager, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("a/"), "a0");
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff", 1)), "");
}

}  // namespace
}  // namespace fargo::services::s3
