#include "services/s3/aws_chunked.h"

#include "common/strings.h"

namespace fargo::services::s3 {

bool IsAwsChunked(const protocol::HttpRequest& req) {
  if (auto* sha = req.Header("x-amz-content-sha256"); sha && StartsWith(*sha, "STREAMING-"))
    return true;
  if (auto* enc = req.Header("content-encoding"); enc && ToLower(*enc).find("aws-chunked") != std::string::npos)
    return true;
  return false;
}

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::optional<ChunkedBody> DecodeAwsChunked(std::string_view body) {
  ChunkedBody out;
  size_t pos = 0;
  for (;;) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view header = body.substr(pos, eol - pos);
    std::string_view hex = header.substr(0, header.find(';'));
    while (!hex.empty() && hex.back() == ' ') hex.remove_suffix(1);
    if (hex.empty() || hex.size() > 15) return std::nullopt;
    uint64_t size = 0;
    for (char c : hex) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
              : (c >= 'A' && c <= 'F')                   ? c - 'A' + 10
                                                         : -1;
      if (d < 0) return std::nullopt;
      size = size * 16 + static_cast<uint64_t>(d);
    }
    pos = eol + 2;
    if (size == 0) break;
    if (body.size() - pos < size) return std::nullopt;
    out.data.append(body.substr(pos, size));
    pos += size;
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
  }
  // Trailers until an empty line (or the end of the body).
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 2;
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.trailers[ToLower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  }
  return out;
}

}  // namespace fargo::services::s3
