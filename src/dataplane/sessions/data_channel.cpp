#include "dataplane/sessions/data_channel.h"

#include <boost/json.hpp>

namespace fargo::dataplane::sessions {
namespace json = boost::json;

DataChannel::DataChannel(std::string session_id, Callbacks callbacks)
    : session_id_(std::move(session_id)), cb_(std::move(callbacks)) {}

void DataChannel::StartHandshake(int64_t now_ms, std::string_view session_type) {
  json::object params{{"SessionType", session_type}, {"Properties", nullptr}};
  json::object req{{"AgentVersion", "3.3.0.0"},
                   {"RequestedClientActions",
                    json::array{json::object{{"ActionType", "SessionType"}, {"ActionParameters", params}}}}};
  handshake_pending_ = true;
  cb_.send(out_.Next(PayloadType::kHandshakeRequest, json::serialize(req), now_ms));
}

void DataChannel::Ack(const SessionMessage& m, int64_t now_ms) { cb_.send(EncodeAckOf(m, now_ms)); }

bool DataChannel::Deliver(const SessionMessage& m, int64_t now_ms) {
  switch (m.payload_type) {
    case PayloadType::kHandshakeResponse:
      if (handshake_pending_) {
        handshake_pending_ = false;
        json::object done{{"HandshakeTimeToComplete", 1000000}, {"CustomerMessage", ""}};
        cb_.send(out_.Next(PayloadType::kHandshakeComplete, json::serialize(done), now_ms));
      }
      return true;
    case PayloadType::kSize: {
      boost::system::error_code ec;
      json::value v = json::parse(m.payload, ec);
      if (!ec && v.is_object() && cb_.resize) {
        const auto* c = v.as_object().if_contains("cols");
        const auto* r = v.as_object().if_contains("rows");
        if (c && r && c->is_number() && r->is_number()) {
          boost::system::error_code e1, e2;
          auto cols = c->to_number<int64_t>(e1), rows = r->to_number<int64_t>(e2);
          if (!e1 && !e2 && cols > 0 && rows > 0 && cols < 10000 && rows < 10000)
            cb_.resize(static_cast<int>(rows), static_cast<int>(cols));
        }
      }
      return true;
    }
    case PayloadType::kFlag:
      if (m.payload.size() == 4 && cb_.flag) {
        uint32_t f = 0;
        for (char c : m.payload) f = (f << 8) | static_cast<uint8_t>(c);
        cb_.flag(f);
      }
      return true;
    case PayloadType::kOutput:
      if (handshake_pending_) return true;  // before the handshake: acknowledged and dropped
      return m.payload.empty() || cb_.input(m.payload);
    default:
      return true;  // types a shell has no use for
  }
}

Status DataChannel::OnFrame(std::string_view frame, int64_t now_ms) {
  FARGO_ASSIGN_OR_RETURN(SessionMessage m, DecodeSessionMessage(frame));
  if (!m.digest_ok) ++digest_mismatches_;  // as the SSM agent: noted, not refused
  if (m.message_type == message_type::kAcknowledge) {
    if (auto seq = AckedSequence(m.payload)) out_.Acknowledge(*seq, now_ms);
    return OkStatus();
  }
  if (m.message_type != message_type::kInputStreamData) return OkStatus();
  int64_t seq = m.sequence_number;
  if (seq < expected_in_) {
    Ack(m, now_ms);
    return OkStatus();
  }
  if (seq > expected_in_) {
    if (buffered_.size() >= kMaxBufferedInput && !buffered_.count(seq)) return OkStatus();  // resent later
    Ack(m, now_ms);
    buffered_.emplace(seq, std::move(m));
    return OkStatus();
  }
  if (!Deliver(m, now_ms)) return OkStatus();
  Ack(m, now_ms);
  ++expected_in_;
  for (auto it = buffered_.find(expected_in_); it != buffered_.end(); it = buffered_.find(expected_in_)) {
    if (!Deliver(it->second, now_ms)) break;
    buffered_.erase(it);
    ++expected_in_;
  }
  buffered_.erase(buffered_.begin(), buffered_.lower_bound(expected_in_));
  return OkStatus();
}

void DataChannel::SendOutput(std::string_view bytes, int64_t now_ms) {
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), kMaxOutputChunk);
    cb_.send(out_.Next(PayloadType::kOutput, std::string(bytes.substr(0, n)), now_ms));
    bytes.remove_prefix(n);
  }
}

void DataChannel::Tick(int64_t now_ms) {
  if (auto frame = out_.Due(now_ms)) cb_.send(std::move(*frame));
}

void DataChannel::Resend() {
  for (std::string& f : out_.Pending()) cb_.send(std::move(f));
}

std::string DataChannel::ClosedFrame(const std::string& message, int64_t now_ms) const {
  SessionMessage m;
  m.message_type = message_type::kChannelClosed;
  m.created_date_ms = static_cast<uint64_t>(std::max<int64_t>(now_ms, 1));
  m.message_id = RandomUuid();
  json::object p{{"MessageId", UuidString(m.message_id)},
                 {"CreatedDate", std::to_string(now_ms)},
                 {"DestinationId", ""},
                 {"SessionId", session_id_},
                 {"MessageType", "channel_closed"},
                 {"SchemaVersion", 1},
                 {"Output", message}};
  m.payload = json::serialize(p);
  return EncodeSessionMessage(m);
}

}  // namespace fargo::dataplane::sessions
