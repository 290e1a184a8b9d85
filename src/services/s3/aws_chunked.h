// aws-chunked bodies: the framing the SDKs use for streaming uploads
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER).
//
//   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;...]\r\n
//   [<trailer name>:<value>\r\n ...]\r\n
#pragma once

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

// Strips the framing. nullopt when the body is not well-formed.
std::optional<ChunkedBody> DecodeAwsChunked(std::string_view body);

}  // namespace fargo::services::s3
