// SmuxFrame: the frames of smux protocol version 1 (xtaci/smux), which the
// session-manager-plugin multiplexes a port session's connections with: an
// 8-byte little-endian header (version 1, command, data length, stream id)
// and the data. The plugin opens streams (odd ids from 3); the agent's side
// answers data and closes. In a data channel the frames form one byte
// stream across Output messages, so SmuxReader reassembles them from any
// split. Pure; the reader is fuzzed (tests/fuzz/fuzz_smux_frame.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fargo::dataplane::sessions {

enum class SmuxCommand : uint8_t { kSyn = 0, kFin = 1, kPsh = 2, kNop = 3, kUpd = 4 };

struct SmuxFrame {
  SmuxCommand command = SmuxCommand::kNop;
  uint32_t stream_id = 0;
  std::string data;  // kPsh only
};

inline constexpr uint8_t kSmuxVersion = 1;
inline constexpr size_t kSmuxHeaderSize = 8;
inline constexpr size_t kSmuxMaxData = 65535;

// One frame's bytes. REQUIRES: data.size() <= kSmuxMaxData.
std::string EncodeSmuxFrame(SmuxCommand command, uint32_t stream_id, std::string_view data = {});

// Appends frames' bytes, split anywhere, and gives back whole frames.
class SmuxReader {
 public:
  void Append(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame, nullopt until one is complete, or an error for a
  // version other than 1 or an unknown command (smux then ends the
  // session; the reader is unusable after an error).
  Result<std::optional<SmuxFrame>> Next();
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

}  // namespace fargo::dataplane::sessions
