// aws-chunked bodies: the framing the SDKs use for streaming uploads
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER).
//
//   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;...]\r\n
//   [<trailer name>:<value>\r\n ...]\r\n
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/http_types.h"

namespace fargo::services::s3 {

struct ChunkedBody {
  std::string data;
  std::map<std::string, std::string> trailers;  // names lower-cased
};

// True when the request body uses aws-chunked framing.
bool IsAwsChunked(const protocol::HttpRequest& req);

// Strips the framing as the body arrives, piece by piece: a body is never
// held whole. Data leaves through `out` in order.
class AwsChunkedDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit AwsChunkedDecoder(Sink out) : out_(std::move(out)) {}

  // Returns false (and stays failed) once the framing is broken.
  bool Feed(std::string_view in);
  // End of the body: true when the framing was complete (the last chunk
  // seen; trailers may end with the body instead of an empty line).
  bool Finish();
  const std::map<std::string, std::string>& trailers() const { return trailers_; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailers, kDone, kFailed };
  bool SizeLine(std::string_view line);
  bool TrailerLine(std::string_view line);

  Sink out_;
  State state_ = State::kSize;
  std::string line_;        // the partial size or trailer line
  uint64_t remaining_ = 0;  // bytes left in the current chunk (kData) or of its CRLF (kDataEnd)
  std::map<std::string, std::string> trailers_;
};

// Strips the framing of a whole body. nullopt when it is not well-formed.
std::optional<ChunkedBody> DecodeAwsChunked(std::string_view body);

}  // namespace fargo::services::s3
