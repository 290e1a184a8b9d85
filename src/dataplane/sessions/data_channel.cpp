#include "dataplane/sessions/data_channel.h"

#include <boost/json.hpp>
#include <cassert>

namespace fargo::dataplane::sessions {
namespace json = boost::json;

DataChannel::DataChannel(std::string session_id, Callbacks callbacks, size_t output_chunk)
    : session_id_(std::move(session_id)), cb_(std::move(callbacks)), output_chunk_(output_chunk) {
  assert(output_chunk_ > 0 && output_chunk_ <= kMaxFrame - kHeaderSize);
}

namespace {

// The client's complaint in a HandshakeResponse ("" when every action it
// was asked for succeeded): the SSM agent cancels the session otherwise.
std::string HandshakeError(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return "The client's handshake response is not valid JSON.";
  const auto* actions = v.as_object().if_contains("ProcessedClientActions");
  if (!actions || !actions->is_array()) return "";
  for (const json::value& a : actions->as_array()) {
    if (!a.is_object()) continue;
    const auto* status = a.as_object().if_contains("ActionStatus");
    if (!status || !status->is_number()) continue;
    boost::system::error_code e;
    if (status->to_number<int64_t>(e) == 1 || e) continue;
    std::string why = "The client could not start the session";
    if (const auto* err = a.as_object().if_contains("Error"); err && err->is_string() && !err->as_string().empty())
      why += ": " + std::string(err->as_string());
    return why + ".";
  }
  return "";
}

}  // namespace

void DataChannel::StartHandshake(int64_t now_ms, const Handshake& handshake) {
  json::value properties = nullptr;
  if (!handshake.properties.empty()) {
    json::object p;
    for (const auto& [k, v] : handshake.properties) p[k] = v;
    properties = std::move(p);
  }
  json::object params{{"SessionType", handshake.session_type}, {"Properties", std::move(properties)}};
  json::object req{{"AgentVersion", handshake.agent_version},
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
        std::string error = HandshakeError(m.payload);
        if (error.empty()) {
          json::object done{{"HandshakeTimeToComplete", 1000000}, {"CustomerMessage", ""}};
          cb_.send(out_.Next(PayloadType::kHandshakeComplete, json::serialize(done), now_ms));
        }
        if (cb_.handshake_done) cb_.handshake_done(error);
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
      // Before the client answered the handshake: acknowledged and dropped
      // (the SSM agent's rule; the plugin sends none before HandshakeComplete).
      if (handshake_pending_) return true;
      return m.payload.empty() || cb_.input(m.payload);
    default:
      return true;  // types a shell has no use for
  }
}

Status DataChannel::OnFrame(std::string_view frame, int64_t now_ms) {
  // The digest is not checked, as the SSM agent does not (third-party
  // clients send bogus ones).
  FARGO_ASSIGN_OR_RETURN(SessionMessage m, DecodeSessionMessage(frame, DigestCheck::kSkip));
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
  if (!buffered_.count(seq)) {
    if (seq != expected_in_ && buffered_.size() >= kMaxBufferedInput) return OkStatus();  // resent later
    buffered_.emplace(seq, std::move(m));
  }
  DeliverHeld(now_ms);
  return OkStatus();
}

void DataChannel::RetryInput(int64_t now_ms) { DeliverHeld(now_ms); }

void DataChannel::DeliverHeld(int64_t now_ms) {
  if (delivering_) return;  // a callback asked again: this loop goes on
  delivering_ = true;
  for (auto it = buffered_.find(expected_in_); it != buffered_.end(); it = buffered_.find(expected_in_)) {
    if (!Deliver(it->second, now_ms)) break;
    Ack(it->second, now_ms);
    buffered_.erase(it);
    ++expected_in_;
  }
  delivering_ = false;
}

void DataChannel::SendOutput(std::string_view bytes, int64_t now_ms) {
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), output_chunk_);
    cb_.send(out_.Next(PayloadType::kOutput, std::string(bytes.substr(0, n)), now_ms));
    bytes.remove_prefix(n);
  }
}

void DataChannel::SendFlag(uint32_t flag, int64_t now_ms) {
  std::string payload(4, '\0');
  for (int i = 0; i < 4; ++i) payload[i] = static_cast<char>((flag >> (8 * (3 - i))) & 0xff);
  cb_.send(out_.Next(PayloadType::kFlag, std::move(payload), now_ms));
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
