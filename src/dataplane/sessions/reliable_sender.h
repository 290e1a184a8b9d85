// ReliableSender: one direction of a data channel's stream messages as both
// the SSM agent and the session-manager-plugin send them: numbered from 0,
// each kept until its acknowledge arrives, the oldest unacknowledged one
// resent byte for byte once the retransmission timeout passed. The timeout
// follows the round trips TCP-style (RTT 100 ms, RTTVAR 0 to start;
// RTO = RTT + max(10 ms, 4 RTTVAR), at most 1 s, 200 ms before any sample).
// Pure: the caller gives the time and sends what it returns.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/sessions/session_message.h"

namespace fargo::dataplane::sessions {

class ReliableSender {
 public:
  explicit ReliableSender(std::string message_type) : type_(std::move(message_type)) {}

  // The frame of the next stream message (kept until acknowledged).
  std::string Next(PayloadType type, std::string payload, int64_t now_ms);
  // An acknowledge of `seq`: forgets it. False when nothing waited for it.
  bool Acknowledge(int64_t seq, int64_t now_ms);
  // The frame to resend now, if the oldest unacknowledged one is due. With
  // `every_tick` the timer is not restarted by a resend (the plugin's quirk:
  // once due, it resends every tick).
  std::optional<std::string> Due(int64_t now_ms, bool every_tick = false);
  // Every unacknowledged frame, oldest first (after a reconnect).
  std::deque<std::string> Pending() const;
  size_t unacknowledged() const { return pending_.size(); }
  // The payload bytes of the unacknowledged messages.
  size_t unacknowledged_bytes() const { return pending_bytes_; }
  int64_t next_sequence() const { return next_seq_; }
  int64_t rto_ms() const { return rto_ms_; }

 private:
  struct Sent {
    int64_t seq;
    std::string frame;
    size_t payload_size;
    int64_t first_sent_ms, last_sent_ms;
    bool resent = false;
  };
  std::string type_;
  std::deque<Sent> pending_;
  size_t pending_bytes_ = 0;
  int64_t next_seq_ = 0;
  double rtt_ms_ = 100, rttvar_ms_ = 0;
  int64_t rto_ms_ = 200;
};

}  // namespace fargo::dataplane::sessions
