// S3 handlers over REST as the SDKs drive them, and the streamed-body path:
// bytes reach disk (hashed, framing stripped) before the state thread sees
// the request, which then only renames the file and commits the row.
#include "services/s3/s3_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "services/s3/checksums.h"
#include "temp_dir.h"

namespace fargo::services {
namespace {

namespace fs = std::filesystem;
using protocol::HttpRequest;
using protocol::HttpResponse;

class S3Rest : public ::testing::Test {
 protected:
  void SetUp() override {
    Restart();
    ASSERT_EQ(Send(Req("PUT", "/bkt")).status, 200);
  }

  // Reopens store and service over the same directory, as a restart does.
  void Restart() {
    s3_.reset();
    store_.reset();
    auto s = store::Store::Open(dir_.str());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    s3_ = std::make_unique<S3Service>(Env{*store_, clock_, ids_, "000000000000"});
    ASSERT_TRUE(s3_->Start().ok());
  }

  static HttpRequest Req(const std::string& method, const std::string& path, std::string body = "",
                         std::map<std::string, std::string> headers = {},
                         std::multimap<std::string, std::string> query = {}) {
    HttpRequest r;
    r.method = method;
    r.path = r.raw_path = path;
    r.headers = std::move(headers);
    r.headers["host"] = "localhost:4566";
    r.query = std::move(query);
    r.body = std::move(body);
    return r;
  }

  // The response as the service first returns it (possibly deferred).
  HttpResponse Start(const HttpRequest& http) {
    static const protocol::Operation kRest{};
    CallContext ctx{"us-east-1", "000000000000", "req-1", "AKID", *protocol::ModelRegistry::Instance().Get("s3"),
                    kRest, http};
    auto r = s3_->InvokeRest(ctx);
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r).value() : HttpResponse{};
  }
  HttpResponse Send(const HttpRequest& http) { return protocol::Resolve(Start(http)); }

  // The request as the server hands it over after streaming: body fed to
  // the service's sink in `piece`-byte writes.
  HttpRequest Streamed(HttpRequest head, size_t piece) {
    std::string body = std::move(head.body);
    head.body.clear();
    auto sink = s3_->OpenBodySink(head);
    EXPECT_NE(sink, nullptr);
    if (!sink) return head;
    for (size_t i = 0; i < body.size(); i += piece) sink->Write(std::string_view(body).substr(i, piece));
    sink->Finish(head);
    return head;
  }

  static std::string HeaderOf(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  static std::string Code(const HttpResponse& r) {
    auto b = r.body.find("<Code>");
    return b == std::string::npos ? "" : r.body.substr(b + 6, r.body.find("</Code>") - b - 6);
  }
  size_t FilesIn(const std::string& sub) const {
    size_t n = 0;
    for (auto it = fs::recursive_directory_iterator(dir_.path() / "s3" / sub); it != fs::recursive_directory_iterator(); ++it)
      n += it->is_regular_file();
    return n;
  }

  test_util::TempDir dir_;  // first: outlives the store and service
  FakeClock clock_{1700000000000};
  RandomIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<S3Service> s3_;
};

// aws-chunked framing as boto3 sends it: unsigned chunks and a CRC32 trailer.
HttpRequest Chunked(HttpRequest r, const std::string& data, const std::string& crc32) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  r.body = std::string(size) + "\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32:" + crc32 + "\r\n\r\n";
  r.headers["x-amz-content-sha256"] = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  r.headers["content-encoding"] = "aws-chunked";
  r.headers["x-amz-trailer"] = "x-amz-checksum-crc32";
  r.headers["x-amz-decoded-content-length"] = std::to_string(data.size());
  return r;
}

TEST_F(S3Rest, PutThenGetReturnsTheBytesAndTheirMd5) {
  auto put = Send(Req("PUT", "/bkt/k", "hello"));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(HeaderOf(put, "ETag"), "\"5d41402abc4b2a76b9719d911017c592\"");
  auto get = Send(Req("GET", "/bkt/k"));
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(HeaderOf(get, "ETag"), HeaderOf(put, "ETag"));
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(S3Rest, StreamedChunkedBodyIsDecodedHashedAndCommitted) {
  std::string data = "hello world, in pieces";
  std::string crc = s3::ChecksumBase64(s3::Crc32(data));
  HttpRequest req = Streamed(Chunked(Req("PUT", "/bkt/k"), data, crc), 1);  // one byte at a time
  ASSERT_TRUE(req.staged);
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(req.staged->size, static_cast<int64_t>(data.size()));
  auto put = Send(req);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(HeaderOf(put, "x-amz-checksum-crc32"), crc);
  EXPECT_EQ(HeaderOf(put, "ETag"), "\"" + s3::HexOf(s3::Md5(data)) + "\"");
  EXPECT_EQ(FilesIn("tmp"), 0u);  // renamed into place, not copied
  EXPECT_EQ(Send(Req("GET", "/bkt/k")).body, data);
}

TEST_F(S3Rest, WrongTrailerChecksumIsBadDigestAndStoresNothing) {
  HttpRequest req = Streamed(Chunked(Req("PUT", "/bkt/k"), "payload", "AAAAAA=="), 3);
  auto put = Send(req);
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(Code(put), "BadDigest");
  req = HttpRequest{};  // the staged body goes with the request
  EXPECT_EQ(Code(Send(Req("GET", "/bkt/k"))), "NoSuchKey");
  EXPECT_EQ(FilesIn("tmp") + FilesIn("blobs"), 0u);
}

TEST_F(S3Rest, WrongContentMd5IsBadDigest) {
  auto put = Send(Req("PUT", "/bkt/k", "hello", {{"content-md5", "AAAAAAAAAAAAAAAAAAAAAA=="}}));
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(Code(put), "BadDigest");
  EXPECT_EQ(Code(Send(Req("GET", "/bkt/k"))), "NoSuchKey");
}

TEST_F(S3Rest, BrokenFramingIsIncompleteBody) {
  HttpRequest req = Req("PUT", "/bkt/k", "zz\r\nabc\r\n0\r\n\r\n", {{"content-encoding", "aws-chunked"}});
  auto put = Send(Streamed(req, 4));
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(Code(put), "IncompleteBody");
}

TEST_F(S3Rest, DecodedLengthMismatchIsIncompleteBody) {
  HttpRequest req = Chunked(Req("PUT", "/bkt/k"), "abc", s3::ChecksumBase64(s3::Crc32("abc")));
  req.headers["x-amz-decoded-content-length"] = "4";
  EXPECT_EQ(Code(Send(Streamed(req, 2))), "IncompleteBody");
}

TEST_F(S3Rest, AbandonedUploadLeavesNoFile) {
  HttpRequest head = Req("PUT", "/bkt/k");
  {
    auto sink = s3_->OpenBodySink(head);
    ASSERT_NE(sink, nullptr);
    sink->Write(std::string(1 << 16, 'x'));
    EXPECT_EQ(FilesIn("tmp"), 1u);
  }  // the connection dropped before the end of the body
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(S3Rest, OnlyObjectBodiesAreStreamed) {
  EXPECT_NE(s3_->OpenBodySink(Req("PUT", "/bkt/k")), nullptr);
  EXPECT_NE(s3_->OpenBodySink(Req("PUT", "/bkt/k", "", {}, {{"uploadId", "u"}, {"partNumber", "1"}})), nullptr);
  EXPECT_EQ(s3_->OpenBodySink(Req("PUT", "/bkt")), nullptr);
  EXPECT_EQ(s3_->OpenBodySink(Req("PUT", "/bkt/k", "", {}, {{"tagging", ""}})), nullptr);
  EXPECT_EQ(s3_->OpenBodySink(Req("PUT", "/bkt/k", "", {{"x-amz-copy-source", "/bkt/j"}})), nullptr);
  EXPECT_EQ(s3_->OpenBodySink(Req("POST", "/bkt/k", "", {}, {{"uploads", ""}})), nullptr);
}

TEST_F(S3Rest, LargeGetIsServedFromTheFile) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 % 251);
  ASSERT_EQ(Send(Streamed(Req("PUT", "/bkt/big", data), 1 << 16)).status, 200);
  auto get = Send(Req("GET", "/bkt/big", "", {{"range", "bytes=1048576-"}}));
  ASSERT_EQ(get.status, 206);
  ASSERT_TRUE(get.file);
  EXPECT_TRUE(get.body.empty());
  EXPECT_EQ(get.file->offset, 1 << 20);
  EXPECT_EQ(get.file->length, 2 << 20);
  std::string got(static_cast<size_t>(get.file->length), '\0');
  ASSERT_EQ(::pread(get.file->fd, got.data(), got.size(), get.file->offset), static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, data.substr(1 << 20));
  // Small objects still come back in memory.
  ASSERT_EQ(Send(Req("PUT", "/bkt/small", "tiny")).status, 200);
  auto small = Send(Req("GET", "/bkt/small"));
  EXPECT_FALSE(small.file);
  EXPECT_EQ(small.body, "tiny");
}

TEST_F(S3Rest, StartUpSweepsTempFilesAndKeepsObjects) {
  ASSERT_EQ(Send(Req("PUT", "/bkt/k", "kept")).status, 200);
  {
    // A crash after the bytes were staged but before the metadata commit.
    std::FILE* f = std::fopen((dir_.path() / "s3" / "tmp" / "leftover").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("orphan", f);
    std::fclose(f);
  }
  Restart();
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(Send(Req("GET", "/bkt/k")).body, "kept");
}

TEST_F(S3Rest, StartUpSweepsBlobsNoRowNames) {
  ASSERT_EQ(Send(Req("PUT", "/bkt/k", "kept")).status, 200);
  auto init = Send(Req("POST", "/bkt/mp", "", {}, {{"uploads", ""}}));
  auto b = init.body.find("<UploadId>");
  std::string id = init.body.substr(b + 10, init.body.find("</UploadId>") - b - 10);
  ASSERT_EQ(Send(Req("PUT", "/bkt/mp", "part", {}, {{"uploadId", id}, {"partNumber", "1"}})).status, 200);
  // A crash after the bytes were put in place but before their row committed.
  fs::create_directories(dir_.path() / "s3" / "blobs" / "ff");
  std::FILE* f = std::fopen((dir_.path() / "s3" / "blobs" / "ff" / "ff00stray").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(FilesIn("blobs"), 3u);
  Restart();
  EXPECT_EQ(FilesIn("blobs"), 2u);  // the object's and the part's remain
  EXPECT_EQ(Send(Req("GET", "/bkt/k")).body, "kept");
  EXPECT_EQ(Send(Req("GET", "/bkt/mp", "", {}, {{"uploadId", id}})).status, 200);
}

TEST_F(S3Rest, StreamedPartsCompleteIntoOneObject) {
  auto init = Send(Req("POST", "/bkt/mp", "", {}, {{"uploads", ""}}));
  ASSERT_EQ(init.status, 200) << init.body;
  auto b = init.body.find("<UploadId>");
  std::string id = init.body.substr(b + 10, init.body.find("</UploadId>") - b - 10);
  std::string p1(5 << 20, 'a'), p2 = "tail";
  auto put1 = Send(Streamed(Req("PUT", "/bkt/mp", p1, {}, {{"uploadId", id}, {"partNumber", "1"}}), 1 << 20));
  auto put2 = Send(Streamed(Req("PUT", "/bkt/mp", p2, {}, {{"uploadId", id}, {"partNumber", "2"}}), 1));
  ASSERT_EQ(put1.status, 200) << put1.body;
  ASSERT_EQ(put2.status, 200) << put2.body;
  EXPECT_EQ(HeaderOf(put2, "ETag"), "\"" + s3::HexOf(s3::Md5(p2)) + "\"");
  std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + HeaderOf(put1, "ETag") +
                    "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + HeaderOf(put2, "ETag") +
                    "</ETag></Part></CompleteMultipartUpload>";
  auto done = Send(Req("POST", "/bkt/mp", xml, {}, {{"uploadId", id}}));
  ASSERT_EQ(done.status, 200) << done.body;
  auto head = Send(Req("HEAD", "/bkt/mp"));
  EXPECT_EQ(HeaderOf(head, "Content-Length"), std::to_string(p1.size() + p2.size()));
  EXPECT_NE(HeaderOf(head, "ETag").find("-2\""), std::string::npos);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(S3Rest, CommitRechecksTheBucketAfterTheOffThreadWork) {
  ASSERT_EQ(Send(Req("PUT", "/gone")).status, 200);
  HttpResponse pending = Start(Streamed(Req("PUT", "/gone/k", "bytes"), 2));
  ASSERT_TRUE(pending.deferred);
  pending.deferred->work();  // the file is in place...
  ASSERT_EQ(Send(Req("DELETE", "/gone")).status, 204);  // ...when the bucket goes
  auto out = pending.deferred->finish();
  EXPECT_EQ(Code(out), "NoSuchBucket");
  EXPECT_NE(HeaderOf(out, "x-amz-request-id"), "");
  EXPECT_EQ(FilesIn("tmp") + FilesIn("blobs"), 0u);
}

TEST_F(S3Rest, CompleteAfterAnAbortMeanwhileIsNoSuchUpload) {
  auto init = Send(Req("POST", "/bkt/mp", "", {}, {{"uploads", ""}}));
  auto b = init.body.find("<UploadId>");
  std::string id = init.body.substr(b + 10, init.body.find("</UploadId>") - b - 10);
  auto part = Send(Streamed(Req("PUT", "/bkt/mp", "only", {}, {{"uploadId", id}, {"partNumber", "1"}}), 4));
  ASSERT_EQ(part.status, 200);
  std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + HeaderOf(part, "ETag") +
                    "</ETag></Part></CompleteMultipartUpload>";
  HttpResponse pending = Start(Req("POST", "/bkt/mp", xml, {}, {{"uploadId", id}}));
  ASSERT_TRUE(pending.deferred);
  pending.deferred->work();  // parts joined into a temp file
  ASSERT_EQ(Send(Req("DELETE", "/bkt/mp", "", {}, {{"uploadId", id}})).status, 204);
  EXPECT_EQ(Code(protocol::Resolve(pending.deferred->finish())), "NoSuchUpload");
  EXPECT_EQ(Code(Send(Req("GET", "/bkt/mp"))), "NoSuchKey");
  EXPECT_EQ(FilesIn("tmp") + FilesIn("blobs"), 0u);
}

}  // namespace
}  // namespace fargo::services
