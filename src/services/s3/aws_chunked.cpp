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

bool AwsChunkedDecoder::SizeLine(std::string_view header) {
  std::string_view hex = header.substr(0, header.find(';'));
  while (!hex.empty() && hex.back() == ' ') hex.remove_suffix(1);
  if (hex.empty() || hex.size() > 15) return false;
  uint64_t size = 0;
  for (char c : hex) {
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')                   ? c - 'A' + 10
                                                       : -1;
    if (d < 0) return false;
    size = size * 16 + static_cast<uint64_t>(d);
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailers : State::kData;
  return true;
}

bool AwsChunkedDecoder::TrailerLine(std::string_view line) {
  if (line.empty()) {
    state_ = State::kDone;
    return true;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  trailers_[ToLower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  return true;
}

bool AwsChunkedDecoder::Feed(std::string_view in) {
  // A size or trailer line is short; a longer one is not aws-chunked.
  constexpr size_t kMaxLine = 8 * 1024;
  while (!in.empty() && state_ != State::kFailed) {
    switch (state_) {
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
        out_(in.substr(0, n));
        in.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd:
        line_.push_back(in.front());
        in.remove_prefix(1);
        if (line_.size() == 2) {
          if (line_ != "\r\n") state_ = State::kFailed;
          else state_ = State::kSize;
          line_.clear();
        }
        break;
      case State::kSize:
      case State::kTrailers: {
        size_t nl = in.find('\n');
        line_.append(in.substr(0, nl == std::string_view::npos ? in.size() : nl + 1));
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        if (line_.size() > kMaxLine) {
          state_ = State::kFailed;
          break;
        }
        if (line_.size() < 2 || line_.compare(line_.size() - 2, 2, "\r\n") != 0) break;  // incomplete
        std::string line = line_.substr(0, line_.size() - 2);
        line_.clear();
        bool ok = state_ == State::kSize ? SizeLine(line) : TrailerLine(line);
        if (!ok) state_ = State::kFailed;
        break;
      }
      case State::kDone:
        return true;  // anything after the final empty line is ignored
      case State::kFailed:
        break;
    }
  }
  return state_ != State::kFailed;
}

bool AwsChunkedDecoder::Finish() {
  if (state_ == State::kTrailers && !line_.empty()) {
    // The last trailer may end with the body rather than a line break.
    std::string line = line_;
    line_.clear();
    if (!TrailerLine(line)) state_ = State::kFailed;
  }
  return state_ == State::kTrailers || state_ == State::kDone;
}

std::optional<ChunkedBody> DecodeAwsChunked(std::string_view body) {
  ChunkedBody out;
  AwsChunkedDecoder decoder([&](std::string_view piece) { out.data.append(piece); });
  if (!decoder.Feed(body) || !decoder.Finish()) return std::nullopt;
  out.trailers = decoder.trailers();
  return out;
}

}  // namespace fargo::services::s3
