// SessionMessage: one binary message of the SSM Session Manager data channel
// (what the session-manager-plugin calls ClientMessage and the SSM agent
// AgentMessage), as fargo's session server and its own client exchange it
// over a WebSocket. Layout (all integers big-endian), 120 bytes of header:
//
//   0  uint32 HeaderLength (116: the offset of PayloadLength)
//   4  char[32] MessageType (space-padded; NUL-padded by some peers)
//   36 uint32 SchemaVersion   40 uint64 CreatedDate (epoch ms)
//   48 int64  SequenceNumber  56 uint64 Flags
//   64 16 bytes MessageId (UUID with its two 8-byte halves swapped)
//   80 32 bytes PayloadDigest (SHA-256 of the payload)
//   112 uint32 PayloadType    116 uint32 PayloadLength    120 payload
//
// Decoding is lenient the way the real agent is: the payload is everything
// after HeaderLength + 4 (MGS's channel_closed uses HeaderLength 112),
// types are trimmed of NULs and spaces, a wrong digest is reported, not
// refused. Refused: frames shorter than a header, HeaderLength outside
// [112, 116], an empty type, CreatedDate 0, frames over kMaxFrame.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace fargo::dataplane::sessions {

inline constexpr size_t kHeaderSize = 120;
inline constexpr uint32_t kHeaderLength = 116;
// Plugins send at most 1024 + 120 bytes; anything beyond this is refused.
inline constexpr size_t kMaxFrame = 64 * 1024;
// What one output message carries at most (as the agent reads its PTY).
inline constexpr size_t kMaxOutputChunk = 1024;

namespace message_type {
inline constexpr std::string_view kInputStreamData = "input_stream_data";
inline constexpr std::string_view kOutputStreamData = "output_stream_data";
inline constexpr std::string_view kAcknowledge = "acknowledge";
inline constexpr std::string_view kChannelClosed = "channel_closed";
inline constexpr std::string_view kStartPublication = "start_publication";
inline constexpr std::string_view kPausePublication = "pause_publication";
}  // namespace message_type

enum class PayloadType : uint32_t {
  kNone = 0,
  kOutput = 1,
  kError = 2,
  kSize = 3,
  kParameter = 4,
  kHandshakeRequest = 5,
  kHandshakeResponse = 6,
  kHandshakeComplete = 7,
  kEncChallengeRequest = 8,
  kEncChallengeResponse = 9,
  kFlag = 10,
  kStdErr = 11,
  kExitCode = 12,
};

// Flags of stream messages: the first one carries SYN; acks carry 3.
inline constexpr uint64_t kFlagSyn = 1;
inline constexpr uint64_t kFlagAck = 3;

using Uuid = std::array<uint8_t, 16>;  // in RFC 4122 byte order (not swapped)

struct SessionMessage {
  std::string message_type;
  uint32_t schema_version = 1;
  uint64_t created_date_ms = 0;
  int64_t sequence_number = 0;
  uint64_t flags = 0;
  Uuid message_id{};
  PayloadType payload_type = PayloadType::kNone;
  std::string payload;
  // Decoding only: false when the digest was checked and did not match.
  bool digest_ok = true;
};

// The 120 + n bytes of `m` (HeaderLength 116, space-padded type, digest computed).
std::string EncodeSessionMessage(const SessionMessage& m);
// Whether decoding checks the payload's SHA-256 (the plugin does; the SSM
// agent does not, and on a port session's bulk input it is half the cost).
enum class DigestCheck { kCheck, kSkip };
// Parses one frame (see the header comment for what is refused:
// InvalidFrame errors).
Result<SessionMessage> DecodeSessionMessage(std::string_view frame, DigestCheck check = DigestCheck::kCheck);

// "00112233-4455-6677-8899-aabbccddeeff" (lowercase, un-swapped).
std::string UuidString(const Uuid& id);
// A random version-4 UUID.
Uuid RandomUuid();
// SHA-256 of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);

// The JSON payload of an acknowledge for a message of `type` and `seq`.
std::string AckPayload(std::string_view type, const Uuid& id, int64_t seq);
// The encoded acknowledge frame of `m`, made at `now_ms` (both sides of a
// channel acknowledge alike).
std::string EncodeAckOf(const SessionMessage& m, int64_t now_ms);
// The acknowledged sequence number of an acknowledge payload; nullopt when
// it is not one.
std::optional<int64_t> AckedSequence(std::string_view payload);

}  // namespace fargo::dataplane::sessions
