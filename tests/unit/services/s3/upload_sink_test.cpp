// The streaming pieces of an upload: framing and digests computed piece by
// piece give exactly what the whole body gives, wherever the pieces split.
#include <gtest/gtest.h>

#include "services/s3/aws_chunked.h"
#include "services/s3/checksums.h"

namespace fargo::services::s3 {
namespace {

TEST(S3AwsChunkedDecoder, AnySplitDecodesLikeTheWholeBody) {
  std::string body =
      "5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=0\r\n"
      "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (size_t split = 0; split <= body.size(); ++split) {
    std::string out;
    AwsChunkedDecoder d([&](std::string_view p) { out.append(p); });
    ASSERT_TRUE(d.Feed(std::string_view(body).substr(0, split))) << split;
    ASSERT_TRUE(d.Feed(std::string_view(body).substr(split))) << split;
    ASSERT_TRUE(d.Finish()) << split;
    EXPECT_EQ(out, "hello world") << split;
    EXPECT_EQ(d.trailers().at("x-amz-checksum-crc32"), "DUoRhQ==") << split;
  }
}

TEST(S3AwsChunkedDecoder, TruncatedBodyIsNotComplete) {
  AwsChunkedDecoder d([](std::string_view) {});
  ASSERT_TRUE(d.Feed("a\r\n01234"));
  EXPECT_FALSE(d.Finish());
}

TEST(S3AwsChunkedDecoder, MissingChunkEndFails) {
  AwsChunkedDecoder d([](std::string_view) {});
  EXPECT_FALSE(d.Feed("3\r\nabcXY0\r\n\r\n"));
  EXPECT_FALSE(d.Feed("more"));  // stays failed
}

TEST(S3AwsChunkedDecoder, EndlessSizeLineFails) {
  AwsChunkedDecoder d([](std::string_view) {});
  EXPECT_FALSE(d.Feed(std::string(10000, '1')));
}

TEST(S3StreamDigests, PiecewiseEqualsWhole) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7));
  StreamDigests d(true, true);
  for (size_t i = 0; i < data.size(); i += 999) d.Update(std::string_view(data).substr(i, 999));
  auto out = d.Finish();
  EXPECT_EQ(out.at("md5"), Md5(data));
  EXPECT_EQ(out.at("crc32"), ChecksumBase64(Crc32(data)));
  EXPECT_EQ(out.at("crc32c"), ChecksumBase64(Crc32c(data)));
}

TEST(S3StreamDigests, CrcsOnlyWhenAsked) {
  StreamDigests d(false, false);
  d.Update("abc");
  auto out = d.Finish();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(HexOf(out.at("md5")), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(S3Checksums, KnownValues) {
  EXPECT_EQ(ChecksumBase64(Crc32("hello world")), "DUoRhQ==");
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
}

}  // namespace
}  // namespace fargo::services::s3
