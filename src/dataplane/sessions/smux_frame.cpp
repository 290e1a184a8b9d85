#include "dataplane/sessions/smux_frame.h"

#include <cassert>

namespace fargo::dataplane::sessions {

std::string EncodeSmuxFrame(SmuxCommand command, uint32_t stream_id, std::string_view data) {
  assert(data.size() <= kSmuxMaxData);
  std::string out(kSmuxHeaderSize + data.size(), '\0');
  out[0] = static_cast<char>(kSmuxVersion);
  out[1] = static_cast<char>(command);
  out[2] = static_cast<char>(data.size() & 0xff);
  out[3] = static_cast<char>((data.size() >> 8) & 0xff);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((stream_id >> (8 * i)) & 0xff);
  out.replace(kSmuxHeaderSize, data.size(), data);
  return out;
}

Result<std::optional<SmuxFrame>> SmuxReader::Next() {
  if (buffered() < kSmuxHeaderSize) return std::optional<SmuxFrame>();
  const auto* h = reinterpret_cast<const uint8_t*>(buffer_.data() + offset_);
  if (h[0] != kSmuxVersion) return AwsError::Make("InvalidFrame", "smux: version " + std::to_string(h[0]));
  if (h[1] > static_cast<uint8_t>(SmuxCommand::kUpd))
    return AwsError::Make("InvalidFrame", "smux: command " + std::to_string(h[1]));
  size_t length = h[2] | (static_cast<size_t>(h[3]) << 8);
  if (buffered() < kSmuxHeaderSize + length) return std::optional<SmuxFrame>();
  SmuxFrame f;
  f.command = static_cast<SmuxCommand>(h[1]);
  f.stream_id = h[4] | (uint32_t{h[5]} << 8) | (uint32_t{h[6]} << 16) | (uint32_t{h[7]} << 24);
  f.data.assign(buffer_, offset_ + kSmuxHeaderSize, length);
  offset_ += kSmuxHeaderSize + length;
  // Compact once the consumed prefix dominates, so Append stays amortized O(n).
  if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return std::optional<SmuxFrame>(std::move(f));
}

}  // namespace fargo::dataplane::sessions
