// The data channel's binary message: the plugin's own test vector, lenient
// decoding of what other clients send, and refusal of garbage.
#include "dataplane/sessions/session_message.h"

#include <gtest/gtest.h>

namespace fargo::dataplane::sessions {
namespace {

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}
std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

Uuid TestId() {
  return Uuid{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x46, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
}

// The bytes the plugin's SerializeClientMessage produces for this message.
const char* kVector =
    "000000746f75747075745f73747265616d5f646174612020202020202020202020202020"
    "000000010000018bcfe56800"
    "00000000000000000000000000000001"
    "8899aabbccddeeff0011223344554677"
    "e5b111ba26d5bb1cc89d8a3d74fad4cf1ebd5701c29877969c322b456d0784a3"
    "00000001000000022420";

TEST(SessionMessage, EncodesThePluginsTestVector) {
  SessionMessage m;
  m.message_type = "output_stream_data";
  m.created_date_ms = 1700000000000;
  m.sequence_number = 0;
  m.flags = 1;
  m.message_id = TestId();
  m.payload_type = PayloadType::kOutput;
  m.payload = "$ ";
  std::string frame = EncodeSessionMessage(m);
  EXPECT_EQ(frame.size(), 122u);
  EXPECT_EQ(Hex(frame), kVector);
}

TEST(SessionMessage, DecodesThePluginsTestVector) {
  auto m = DecodeSessionMessage(Unhex(kVector));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->message_type, "output_stream_data");
  EXPECT_EQ(m->created_date_ms, 1700000000000u);
  EXPECT_EQ(m->flags, 1u);
  EXPECT_EQ(m->message_id, TestId());
  EXPECT_EQ(UuidString(m->message_id), "00112233-4455-4677-8899-aabbccddeeff");
  EXPECT_EQ(m->payload_type, PayloadType::kOutput);
  EXPECT_EQ(m->payload, "$ ");
  EXPECT_TRUE(m->digest_ok);
}

TEST(SessionMessage, AcceptsNulLeftPaddedTypesAndBogusDigests) {
  // As the npm ssm-session client writes them: the type NUL-padded on the
  // left, a hex string where the digest goes.
  SessionMessage m;
  m.message_type = "input_stream_data";
  m.created_date_ms = 5;
  m.payload_type = PayloadType::kOutput;
  m.payload = "ls\r";
  std::string frame = EncodeSessionMessage(m);
  std::string type(32, '\0');
  std::string name = "input_stream_data";
  type.replace(32 - name.size(), name.size(), name);
  frame.replace(4, 32, type);
  frame.replace(80, 32, std::string(32, 'a'));
  auto d = DecodeSessionMessage(frame);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->message_type, "input_stream_data");
  EXPECT_EQ(d->payload, "ls\r");
  EXPECT_FALSE(d->digest_ok);
}

TEST(SessionMessage, TakesThePayloadAfterAShortHeader) {
  // Session Manager's channel_closed: HeaderLength 112, no PayloadType.
  SessionMessage m;
  m.message_type = "channel_closed";
  m.created_date_ms = 9;
  m.payload = "{}";
  std::string frame = EncodeSessionMessage(m);
  std::string shortened = frame.substr(0, 112) + frame.substr(116);
  shortened[3] = 112;
  auto d = DecodeSessionMessage(shortened);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->payload, "{}");
}

TEST(SessionMessage, RefusesGarbage) {
  SessionMessage m;
  m.message_type = "input_stream_data";
  m.created_date_ms = 9;
  std::string good = EncodeSessionMessage(m);
  EXPECT_FALSE(DecodeSessionMessage("").ok());
  EXPECT_FALSE(DecodeSessionMessage(good.substr(0, 100)).ok());
  std::string bad_hl = good;
  bad_hl[3] = 0x7f;
  EXPECT_FALSE(DecodeSessionMessage(bad_hl).ok());
  std::string no_type = good;
  no_type.replace(4, 32, std::string(32, ' '));
  EXPECT_FALSE(DecodeSessionMessage(no_type).ok());
  std::string no_date = good;
  no_date.replace(40, 8, std::string(8, '\0'));
  EXPECT_FALSE(DecodeSessionMessage(no_date).ok());
  EXPECT_FALSE(DecodeSessionMessage(good + std::string(kMaxFrame, 'x')).ok());
}

TEST(SessionMessage, AckPayloadRoundTrips) {
  std::string p = AckPayload("output_stream_data", TestId(), 7);
  EXPECT_EQ(p,
            R"({"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"00112233-4455-4677-8899-aabbccddeeff","AcknowledgedMessageSequenceNumber":7,"IsSequentialMessage":true})");
  EXPECT_EQ(AckedSequence(p), 7);
  EXPECT_FALSE(AckedSequence("nonsense").has_value());
  EXPECT_FALSE(AckedSequence(R"({"AcknowledgedMessageSequenceNumber":"7"})").has_value());
}

}  // namespace
}  // namespace fargo::dataplane::sessions
