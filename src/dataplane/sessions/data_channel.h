// DataChannel: the service side of one session's data channel (what the
// SSM agent and Session Manager together do for a client), independent of
// the transport and of what the session runs: frames in, frames out.
//
// Input (`input_stream_data`) is taken in sequence: the expected one is
// handed over (keystrokes to `input`, which may answer "not ready": then it
// is not acknowledged and the client resends; terminal sizes to `resize`;
// flags), acknowledged, and the buffered later ones follow; later ones are
// buffered and acknowledged; earlier ones (resends) are acknowledged again
// and dropped. Output is numbered from 0, in chunks of at most 1024 bytes,
// kept until acknowledged and resent (ReliableSender). Acks match by
// sequence number only. The closing `channel_closed` carries an optional
// message the client prints. Pure and single-threaded; the caller brings
// the time (ms) and calls Tick about every 100 ms.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dataplane/sessions/reliable_sender.h"
#include "dataplane/sessions/session_message.h"

namespace fargo::dataplane::sessions {

class DataChannel {
 public:
  struct Callbacks {
    std::function<void(std::string frame)> send;           // a binary WebSocket frame
    std::function<bool(std::string_view bytes)> input;     // false: not ready (resent later)
    std::function<void(int rows, int cols)> resize = {};
    std::function<void(uint32_t flag)> flag = {};          // PayloadType Flag (2 = terminate)
  };
  // More unacknowledged output than this and the client is not reading.
  static constexpr size_t kMaxUnacknowledged = 8192;
  static constexpr size_t kMaxBufferedInput = 1024;

  DataChannel(std::string session_id, Callbacks callbacks);

  // The handshake of sessions that need one (port forwarding): a
  // HandshakeRequest with `session_type` (shell sessions skip it, as the
  // SSM agent does for ECS Exec).
  void StartHandshake(int64_t now_ms, std::string_view session_type = "InteractiveCommands");
  // One frame from the client. An error for frames refused (the channel is
  // unchanged); the caller decides whether to keep the connection.
  Status OnFrame(std::string_view frame, int64_t now_ms);
  // Output of the session, sent in chunks.
  void SendOutput(std::string_view bytes, int64_t now_ms);
  // Resends what is due.
  void Tick(int64_t now_ms);
  // After the client reconnected: everything unacknowledged again, in order.
  void Resend();
  // The channel_closed frame (`message` empty: a normal end).
  std::string ClosedFrame(const std::string& message, int64_t now_ms) const;

  bool all_acknowledged() const { return out_.unacknowledged() == 0; }
  bool overflowing() const { return out_.unacknowledged() > kMaxUnacknowledged; }
  int64_t expected_input() const { return expected_in_; }
  uint64_t digest_mismatches() const { return digest_mismatches_; }

 private:
  // Hands one in-sequence input message over; false: not ready.
  bool Deliver(const SessionMessage& m, int64_t now_ms);
  void Ack(const SessionMessage& m, int64_t now_ms);

  std::string session_id_;
  Callbacks cb_;
  ReliableSender out_{std::string(message_type::kOutputStreamData)};
  int64_t expected_in_ = 0;
  std::map<int64_t, SessionMessage> buffered_;
  bool handshake_pending_ = false;
  uint64_t digest_mismatches_ = 0;
};

}  // namespace fargo::dataplane::sessions
