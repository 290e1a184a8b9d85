#include "dataplane/sessions/client_channel.h"

#include <boost/json.hpp>
#include <cstdlib>

namespace fargo::dataplane::sessions {
namespace json = boost::json;

ClientChannel::ClientChannel(Callbacks callbacks, Options options)
    : cb_(std::move(callbacks)), opt_(std::move(options)) {}

std::string ClientChannel::OpenDataChannel(const std::string& token) const {
  json::object o{{"MessageSchemaVersion", "1.0"},
                 {"RequestId", UuidString(RandomUuid())},
                 {"TokenValue", token},
                 {"ClientId", UuidString(RandomUuid())},
                 {"ClientVersion", opt_.client_version}};
  return json::serialize(o);
}

void ClientChannel::Ack(const SessionMessage& m, int64_t now_ms) { cb_.send(EncodeAckOf(m, now_ms)); }

void ClientChannel::AnswerHandshake(const SessionMessage& m, int64_t now_ms) {
  ClientHandshake hs;
  boost::system::error_code ec;
  json::value v = json::parse(m.payload, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.as_object();
    if (const auto* a = o.if_contains("AgentVersion"); a && a->is_string()) hs.agent_version = std::string(a->as_string());
    if (const auto* actions = o.if_contains("RequestedClientActions"); actions && actions->is_array())
      for (const json::value& action : actions->as_array()) {
        if (!action.is_object()) continue;
        const auto* type = action.as_object().if_contains("ActionType");
        const auto* params = action.as_object().if_contains("ActionParameters");
        if (!type || !type->is_string() || type->as_string() != "SessionType" || !params || !params->is_object())
          continue;
        if (const auto* t = params->as_object().if_contains("SessionType"); t && t->is_string())
          hs.session_type = std::string(t->as_string());
        if (const auto* props = params->as_object().if_contains("Properties"); props && props->is_object())
          for (const auto& [k, x] : props->as_object())
            hs.properties[std::string(k)] = x.is_string() ? std::string(x.as_string()) : json::serialize(x);
      }
  }
  bool accepted = !cb_.handshake || cb_.handshake(hs);
  json::object action{{"ActionType", "SessionType"},
                      {"ActionStatus", accepted ? 1 : 3},
                      {"ActionResult", nullptr},
                      {"Error", accepted ? "" : "Unsupported session type " + hs.session_type}};
  json::value errors = nullptr;
  if (!accepted) errors = json::array{action["Error"]};
  json::object resp{{"ClientVersion", hs.session_type == "Port" ? opt_.port_client_version : opt_.client_version},
                    {"ProcessedClientActions", json::array{action}},
                    {"Errors", errors}};
  cb_.send(in_.Next(PayloadType::kHandshakeResponse, json::serialize(resp), now_ms));
}

void ClientChannel::HandFlag(const SessionMessage& m) {
  if (m.payload.size() != 4 || !cb_.flag) return;
  uint32_t f = 0;
  for (char c : m.payload) f = (f << 8) | static_cast<uint8_t>(c);
  cb_.flag(f);
}

bool ClientChannel::Deliver(const SessionMessage& m, int64_t now_ms) {
  switch (m.payload_type) {
    case PayloadType::kHandshakeRequest:
      Ack(m, now_ms);  // handshake messages are acknowledged before they are handled
      AnswerHandshake(m, now_ms);
      return false;  // already acknowledged
    case PayloadType::kHandshakeComplete: {
      Ack(m, now_ms);
      if (cb_.handshake_complete) {
        std::string message;
        boost::system::error_code ec;
        json::value v = json::parse(m.payload, ec);
        if (!ec && v.is_object())
          if (const auto* c = v.as_object().if_contains("CustomerMessage"); c && c->is_string())
            message = std::string(c->as_string());
        cb_.handshake_complete(message);
      }
      return false;
    }
    case PayloadType::kFlag:
      HandFlag(m);
      return true;
    case PayloadType::kOutput:
    case PayloadType::kStdErr:
    case PayloadType::kExitCode:
      if (opt_.drop_first_output && !dropped_once_) {
        dropped_once_ = true;
        return false;  // "handler not ready": no ack, no progress
      }
      if (cb_.output) cb_.output(m.payload);
      return true;
    default:
      return true;
  }
}

Status ClientChannel::OnFrame(std::string_view frame, int64_t now_ms) {
  FARGO_ASSIGN_OR_RETURN(SessionMessage m, DecodeSessionMessage(frame));
  if (!m.digest_ok && !m.payload.empty()) return AwsError::Make("InvalidFrame", "payload digest mismatch");
  if (m.message_type == message_type::kAcknowledge) {
    if (auto seq = AckedSequence(m.payload)) in_.Acknowledge(*seq, now_ms);
    return OkStatus();
  }
  if (m.message_type == message_type::kChannelClosed) {
    closed_ = true;
    std::string out;
    boost::system::error_code ec;
    json::value v = json::parse(m.payload, ec);
    if (!ec && v.is_object())
      if (const auto* o = v.as_object().if_contains("Output"); o && o->is_string()) out = std::string(o->as_string());
    if (cb_.closed) cb_.closed(out);
    return OkStatus();
  }
  if (m.message_type != message_type::kOutputStreamData) return OkStatus();
  int64_t seq = m.sequence_number;
  if (seq < 0 && m.payload_type == PayloadType::kExitCode) {
    if (cb_.exit_code && m.payload.rfind("EXIT_CODE: ", 0) == 0) cb_.exit_code(std::atoi(m.payload.c_str() + 11));
    return OkStatus();
  }
  if (seq < expected_out_) return OkStatus();  // the plugin does not re-acknowledge
  if (seq > expected_out_) {
    Ack(m, now_ms);
    buffered_.emplace(seq, std::move(m));
    return OkStatus();
  }
  bool handshake = m.payload_type == PayloadType::kHandshakeRequest || m.payload_type == PayloadType::kHandshakeComplete;
  bool ok = Deliver(m, now_ms);
  if (!ok && !handshake) return OkStatus();
  if (ok) Ack(m, now_ms);
  ++expected_out_;
  for (auto it = buffered_.find(expected_out_); it != buffered_.end(); it = buffered_.find(expected_out_)) {
    SessionMessage next = std::move(it->second);
    buffered_.erase(it);
    bool hs = next.payload_type == PayloadType::kHandshakeRequest || next.payload_type == PayloadType::kHandshakeComplete;
    if (next.payload_type == PayloadType::kFlag) {
      HandFlag(next);  // (acknowledged when it was buffered)
    } else if (!hs) {
      if (cb_.output && (next.payload_type == PayloadType::kOutput || next.payload_type == PayloadType::kStdErr ||
                         next.payload_type == PayloadType::kExitCode))
        cb_.output(next.payload);
    } else {
      Deliver(next, now_ms);
    }
    ++expected_out_;
  }
  return OkStatus();
}

void ClientChannel::SendInput(std::string_view bytes, int64_t now_ms) {
  while (!bytes.empty()) {
    size_t n = std::min<size_t>(bytes.size(), opt_.input_chunk);
    cb_.send(in_.Next(PayloadType::kOutput, std::string(bytes.substr(0, n)), now_ms));
    bytes.remove_prefix(n);
  }
}

void ClientChannel::SendOwnedInput(std::string bytes, int64_t now_ms) {
  if (bytes.empty() || bytes.size() > opt_.input_chunk) return SendInput(std::string_view(bytes), now_ms);
  cb_.send(in_.Next(PayloadType::kOutput, std::move(bytes), now_ms));
}

void ClientChannel::SendSize(int cols, int rows, int64_t now_ms) {
  json::object o{{"cols", cols}, {"rows", rows}};
  cb_.send(in_.Next(PayloadType::kSize, json::serialize(o), now_ms));
}

void ClientChannel::SendFlag(uint32_t flag, int64_t now_ms) {
  std::string payload(4, '\0');
  for (int i = 0; i < 4; ++i) payload[i] = static_cast<char>((flag >> (8 * (3 - i))) & 0xff);
  cb_.send(in_.Next(PayloadType::kFlag, std::move(payload), now_ms));
}

void ClientChannel::Tick(int64_t now_ms) {
  if (auto frame = in_.Due(now_ms, /*every_tick=*/true)) cb_.send(std::move(*frame));
}

void ClientChannel::Resend() {
  for (std::string& f : in_.Pending()) cb_.send(std::move(f));
}

}  // namespace fargo::dataplane::sessions
