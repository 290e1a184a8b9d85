#include "dataplane/sessions/session_message.h"

#include <algorithm>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cstring>
#include <random>

namespace fargo::dataplane::sessions {
namespace {

void PutU32(std::string& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}
void PutU64(std::string& out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>((v >> (56 - 8 * i)) & 0xff);
}
uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}
uint64_t GetU64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}
AwsError Invalid(const std::string& why) { return AwsError::Make("InvalidFrame", why); }

}  // namespace

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string EncodeSessionMessage(const SessionMessage& m) {
  std::string out(kHeaderSize + m.payload.size(), '\0');
  PutU32(out, 0, kHeaderLength);
  std::string type = m.message_type.substr(0, 32);
  type.resize(32, ' ');
  std::memcpy(out.data() + 4, type.data(), 32);
  PutU32(out, 36, m.schema_version);
  PutU64(out, 40, m.created_date_ms);
  PutU64(out, 48, static_cast<uint64_t>(m.sequence_number));
  PutU64(out, 56, m.flags);
  std::memcpy(out.data() + 64, m.message_id.data() + 8, 8);
  std::memcpy(out.data() + 72, m.message_id.data(), 8);
  auto digest = Sha256(m.payload);
  std::memcpy(out.data() + 80, digest.data(), 32);
  PutU32(out, 112, static_cast<uint32_t>(m.payload_type));
  PutU32(out, 116, static_cast<uint32_t>(m.payload.size()));
  if (!m.payload.empty()) std::memcpy(out.data() + kHeaderSize, m.payload.data(), m.payload.size());
  return out;
}

Result<SessionMessage> DecodeSessionMessage(std::string_view frame, DigestCheck check) {
  if (frame.size() > kMaxFrame) return Invalid("frame of " + std::to_string(frame.size()) + " bytes is too large");
  if (frame.size() < 116) return Invalid("frame shorter than a message header");
  uint32_t hl = GetU32(frame, 0);
  if (hl != 116 && hl != 112) return Invalid("bad header length " + std::to_string(hl));
  if (frame.size() < hl + 4) return Invalid("frame shorter than its header");
  SessionMessage m;
  std::string_view type(frame.data() + 4, 32);
  auto junk = [](char c) { return c == '\0' || c == ' '; };
  while (!type.empty() && junk(type.front())) type.remove_prefix(1);
  while (!type.empty() && junk(type.back())) type.remove_suffix(1);
  if (type.empty()) return Invalid("message without a type");
  m.message_type = std::string(type);
  m.schema_version = GetU32(frame, 36);
  m.created_date_ms = GetU64(frame, 40);
  if (m.created_date_ms == 0) return Invalid("message without a creation date");
  m.sequence_number = static_cast<int64_t>(GetU64(frame, 48));
  m.flags = GetU64(frame, 56);
  std::memcpy(m.message_id.data() + 8, frame.data() + 64, 8);
  std::memcpy(m.message_id.data(), frame.data() + 72, 8);
  if (hl == 116) m.payload_type = static_cast<PayloadType>(GetU32(frame, 112));
  // The payload is everything after the PayloadLength field, as the plugin reads it.
  m.payload = std::string(frame.substr(hl + 4));
  if (check == DigestCheck::kCheck && !m.payload.empty()) {
    auto digest = Sha256(m.payload);
    m.digest_ok = std::memcmp(digest.data(), frame.data() + 80, 32) == 0;
  }
  return m;
}

std::string UuidString(const Uuid& id) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[id[i] >> 4]);
    s.push_back(hex[id[i] & 15]);
  }
  return s;
}

Uuid RandomUuid() {
  // Message ids are not secrets; OpenSSL's generator asks getpid() on every
  // call (a system call per message).
  thread_local std::mt19937_64 random{std::random_device{}()};
  Uuid id{};
  for (size_t i = 0; i < id.size(); i += 8) {
    uint64_t r = random();
    std::memcpy(id.data() + i, &r, 8);
  }
  id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);
  id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
  return id;
}

std::string AckPayload(std::string_view type, const Uuid& id, int64_t seq) {
  boost::json::object o{{"AcknowledgedMessageType", type},
                        {"AcknowledgedMessageId", UuidString(id)},
                        {"AcknowledgedMessageSequenceNumber", seq},
                        {"IsSequentialMessage", true}};
  return boost::json::serialize(o);
}

std::string EncodeAckOf(const SessionMessage& m, int64_t now_ms) {
  SessionMessage ack;
  ack.message_type = message_type::kAcknowledge;
  ack.created_date_ms = static_cast<uint64_t>(std::max<int64_t>(now_ms, 1));
  ack.flags = kFlagAck;
  ack.message_id = RandomUuid();
  ack.payload = AckPayload(m.message_type, m.message_id, m.sequence_number);
  return EncodeSessionMessage(ack);
}

std::optional<int64_t> AckedSequence(std::string_view payload) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* s = v.as_object().if_contains("AcknowledgedMessageSequenceNumber");
  if (!s || !s->is_number()) return std::nullopt;
  boost::system::error_code nec;
  int64_t n = s->to_number<int64_t>(nec);
  if (nec) return std::nullopt;
  return n;
}

}  // namespace fargo::dataplane::sessions
