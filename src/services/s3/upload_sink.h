// UploadSink: an object body on its way to disk. Strips aws-chunked framing,
// computes the digests and writes a temp file as the bytes arrive, so a
// 5 GiB PUT costs one buffer of memory and nothing on the state thread.
// Finish fsyncs the file and hands it to the request as a StagedBody; the
// handler then only renames it into place and commits the metadata.
//
// Thread-compatible: one thread at a time (the server's blocking-work pool).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "protocol/http_types.h"
#include "services/s3/aws_chunked.h"
#include "services/s3/checksums.h"

namespace fargo::services::s3 {

class UploadSink final : public protocol::BodySink {
 public:
  // `tmp_path`: where the bytes go (created on the first byte). The framing
  // and the CRCs to compute are read from the request's headers.
  UploadSink(std::string tmp_path, const protocol::HttpRequest& head);
  ~UploadSink() override;

  void Write(std::string_view data) override;
  void Finish(protocol::HttpRequest& req) override;

  // Runs a whole in-memory body through a sink (requests that did not
  // stream, e.g. from tests): the same checks, the same staged result.
  static std::shared_ptr<protocol::StagedBody> StageBody(std::string tmp_path, const protocol::HttpRequest& req,
                                                         std::string_view body);

 private:
  void Consume(std::string_view data);
  void Fail(AwsError error);

  std::string tmp_path_;
  int fd_ = -1;
  std::optional<AwsChunkedDecoder> chunked_;
  bool framed_bytes_ = false;  // any framed byte seen (an empty body needs no framing)
  std::optional<std::string> decoded_length_;
  StreamDigests digests_;
  int64_t size_ = 0;
  std::optional<AwsError> error_;
};

}  // namespace fargo::services::s3
