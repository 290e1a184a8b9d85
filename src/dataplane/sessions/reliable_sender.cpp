#include "dataplane/sessions/reliable_sender.h"

#include <algorithm>
#include <cmath>

namespace fargo::dataplane::sessions {

std::string ReliableSender::Next(PayloadType type, std::string payload, int64_t now_ms) {
  SessionMessage m;
  m.message_type = type_;
  m.created_date_ms = static_cast<uint64_t>(std::max<int64_t>(now_ms, 1));
  m.sequence_number = next_seq_;
  m.flags = next_seq_ == 0 ? kFlagSyn : 0;
  m.message_id = RandomUuid();
  m.payload_type = type;
  m.payload = std::move(payload);
  std::string frame = EncodeSessionMessage(m);
  pending_.push_back({next_seq_, frame, m.payload.size(), now_ms, now_ms});
  pending_bytes_ += m.payload.size();
  ++next_seq_;
  return frame;
}

bool ReliableSender::Acknowledge(int64_t seq, int64_t now_ms) {
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Sent& s) { return s.seq == seq; });
  if (it == pending_.end()) return false;
  if (!it->resent) {  // Karn: only first transmissions time the round trip
    double sample = static_cast<double>(std::max<int64_t>(0, now_ms - it->first_sent_ms));
    rttvar_ms_ = 0.75 * rttvar_ms_ + 0.25 * std::fabs(rtt_ms_ - sample);
    rtt_ms_ = 0.875 * rtt_ms_ + 0.125 * sample;
    rto_ms_ = std::min<int64_t>(1000, static_cast<int64_t>(rtt_ms_ + std::max(10.0, 4 * rttvar_ms_)));
  }
  pending_bytes_ -= it->payload_size;
  pending_.erase(it);
  return true;
}

std::optional<std::string> ReliableSender::Due(int64_t now_ms, bool every_tick) {
  if (pending_.empty()) return std::nullopt;
  Sent& s = pending_.front();
  if (now_ms - s.last_sent_ms < rto_ms_) return std::nullopt;
  if (!every_tick) s.last_sent_ms = now_ms;
  s.resent = true;
  return s.frame;
}

std::deque<std::string> ReliableSender::Pending() const {
  std::deque<std::string> out;
  for (const Sent& s : pending_) out.push_back(s.frame);
  return out;
}

}  // namespace fargo::dataplane::sessions
