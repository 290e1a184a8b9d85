#include "services/s3/upload_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace fargo::services::s3 {

namespace {

// A CRC is computed when the request names it: as a header, as a trailer or
// as the SDK's chosen algorithm.
bool Wants(const protocol::HttpRequest& head, const std::string& algo) {
  if (head.Header("x-amz-checksum-" + algo)) return true;
  if (auto* sdk = head.Header("x-amz-sdk-checksum-algorithm"); sdk && ToLower(*sdk) == algo) return true;
  if (auto* t = head.Header("x-amz-trailer"))
    for (const auto& part : Split(ToLower(*t), ','))
      if (part.find("x-amz-checksum-" + algo) != std::string::npos &&
          part.find("x-amz-checksum-" + algo + "c") == std::string::npos)
        return true;
  return false;
}

AwsError IoError(const char* what) {
  return AwsError::Make("InternalError", std::string(what) + ": " + std::strerror(errno), 500);
}

}  // namespace

UploadSink::UploadSink(std::string tmp_path, const protocol::HttpRequest& head)
    : tmp_path_(std::move(tmp_path)), digests_(Wants(head, "crc32"), Wants(head, "crc32c")) {
  if (IsAwsChunked(head)) chunked_.emplace([this](std::string_view piece) { Consume(piece); });
  if (auto* dl = head.Header("x-amz-decoded-content-length")) decoded_length_ = *dl;
}

UploadSink::~UploadSink() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());  // never handed over
  }
}

void UploadSink::Fail(AwsError error) {
  if (!error_) error_ = std::move(error);
}

void UploadSink::Write(std::string_view data) {
  if (error_ || data.empty()) return;
  if (!chunked_) return Consume(data);
  framed_bytes_ = true;
  if (!chunked_->Feed(data))
    Fail(AwsError::Make("IncompleteBody", "The request body is not valid aws-chunked encoding"));
}

void UploadSink::Consume(std::string_view data) {
  if (error_ || data.empty()) return;
  digests_.Update(data);
  size_ += static_cast<int64_t>(data.size());
  if (fd_ < 0) {
    fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return Fail(IoError("open"));
  }
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(IoError("write"));
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void UploadSink::Finish(protocol::HttpRequest& req) {
  auto staged = std::make_shared<protocol::StagedBody>();
  if (chunked_ && framed_bytes_ && !error_) {
    if (!chunked_->Finish())
      Fail(AwsError::Make("IncompleteBody", "The request body is not valid aws-chunked encoding"));
    else if (decoded_length_ && *decoded_length_ != std::to_string(size_))
      Fail(AwsError::Make("IncompleteBody",
                          "You did not provide the number of bytes specified by the Content-Length HTTP header"));
    staged->trailers = chunked_->trailers();
  }
  if (fd_ >= 0) {
    if (!error_ && ::fsync(fd_) != 0) Fail(IoError("fsync"));
    ::close(fd_);
    fd_ = -1;
    staged->path = tmp_path_;  // from here the staged body owns (and removes) the file
  }
  staged->size = size_;
  staged->digests = digests_.Finish();
  staged->error = std::move(error_);
  req.staged = std::move(staged);
}

std::shared_ptr<protocol::StagedBody> UploadSink::StageBody(std::string tmp_path, const protocol::HttpRequest& req,
                                                            std::string_view body) {
  UploadSink sink(std::move(tmp_path), req);
  sink.Write(body);
  protocol::HttpRequest out;
  sink.Finish(out);
  return std::move(out.staged);
}

}  // namespace fargo::services::s3
