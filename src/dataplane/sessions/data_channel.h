// DataChannel: the service side of one session's data channel (what the
// SSM agent and Session Manager together do for a client), independent of
// the transport and of what the session runs: frames in, frames out.
//
// Input (`input_stream_data`) is taken in sequence and acknowledged once
// handed over (keystrokes to `input`; terminal sizes to `resize`; flags):
// the expected one, then the later ones held meanwhile; earlier ones
// (resends) are acknowledged again and dropped. `input` may answer "not
// ready": the message is held, unacknowledged, with those after it (the
// client's window is the back-pressure), and handed over when the caller
// says the target is ready again (RetryInput) or the client resends. Output is numbered from 0, in chunks of at most 1024 bytes
// (a shell's; port sessions choose larger ones), kept until acknowledged
// and resent (ReliableSender). Acks match by sequence number only. The
// closing `channel_closed` carries an optional message the client prints.
//
// Sessions that need a handshake (port forwarding) start it: the
// HandshakeRequest names the session type, its Properties and the agent
// version the client picks its mode by; the client's HandshakeResponse is
// answered with HandshakeComplete (the client starts its port handler only
// then). Output input before the response is acknowledged and dropped, as
// the SSM agent does. Pure and single-threaded; the caller brings the time
// (ms) and calls Tick about every 100 ms.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dataplane/sessions/reliable_sender.h"
#include "dataplane/sessions/session_message.h"

namespace fargo::dataplane::sessions {

// What a HandshakeRequest asks of the client.
struct Handshake {
  std::string session_type;  // "Port", "InteractiveCommands", ...
  // The document's properties, substituted (all values strings); none: null.
  std::map<std::string, std::string> properties;
  // 4 components; the plugin picks a port session's mode by it (§8.2 of the
  // protocol notes): "3.3.0.0" smux without keepalive, "3.0.196.0" basic.
  std::string agent_version = "3.3.0.0";
};

// Flag values (PayloadType Flag, a 4-byte big-endian payload).
inline constexpr uint32_t kFlagDisconnectToPort = 1;  // client: its local connection closed (basic port mode)
inline constexpr uint32_t kFlagTerminateSession = 2;  // client: end the session
inline constexpr uint32_t kFlagConnectToPortError = 3;  // agent: the destination could not be dialed (mux)

class DataChannel {
 public:
  struct Callbacks {
    std::function<void(std::string frame)> send;           // a binary WebSocket frame
    std::function<bool(std::string_view bytes)> input;     // false: not ready (held)
    std::function<void(int rows, int cols)> resize = {};
    std::function<void(uint32_t flag)> flag = {};          // PayloadType Flag (2 = terminate)
    // The handshake ended: HandshakeComplete was sent ("" ), or the client
    // could not do what was asked (its error; nothing more is sent).
    std::function<void(const std::string& error)> handshake_done = {};
  };
  // More unacknowledged output than this and the client is not reading.
  static constexpr size_t kMaxUnacknowledged = 8192;
  static constexpr size_t kMaxBufferedInput = 1024;

  // REQUIRES: 0 < output_chunk <= kMaxFrame - kHeaderSize.
  DataChannel(std::string session_id, Callbacks callbacks, size_t output_chunk = kMaxOutputChunk);

  // The handshake of sessions that need one (port forwarding): a
  // HandshakeRequest (shell sessions skip it, as the SSM agent does for ECS
  // Exec). REQUIRES: called once, before any output.
  void StartHandshake(int64_t now_ms, const Handshake& handshake);
  // One frame from the client. An error for frames refused (the channel is
  // unchanged); the caller decides whether to keep the connection.
  Status OnFrame(std::string_view frame, int64_t now_ms);
  // Output of the session, sent in chunks.
  void SendOutput(std::string_view bytes, int64_t now_ms);
  // A Flag message (in the output's sequence).
  void SendFlag(uint32_t flag, int64_t now_ms);
  // Resends what is due.
  void Tick(int64_t now_ms);
  // The input target may be ready again: the input held is handed over.
  void RetryInput(int64_t now_ms);
  // After the client reconnected: everything unacknowledged again, in order.
  void Resend();
  // The channel_closed frame (`message` empty: a normal end).
  std::string ClosedFrame(const std::string& message, int64_t now_ms) const;

  bool all_acknowledged() const { return out_.unacknowledged() == 0; }
  // The payload bytes sent and not acknowledged yet.
  size_t unacknowledged_bytes() const { return out_.unacknowledged_bytes(); }
  bool handshake_pending() const { return handshake_pending_; }
  bool overflowing() const { return out_.unacknowledged() > kMaxUnacknowledged; }
  int64_t expected_input() const { return expected_in_; }

 private:
  // Hands one in-sequence input message over; false: not ready.
  bool Deliver(const SessionMessage& m, int64_t now_ms);
  // Hands over the held input from the expected one on, acknowledging each,
  // until one is not taken or the next is missing.
  void DeliverHeld(int64_t now_ms);
  void Ack(const SessionMessage& m, int64_t now_ms);

  std::string session_id_;
  Callbacks cb_;
  size_t output_chunk_;
  ReliableSender out_{std::string(message_type::kOutputStreamData)};
  int64_t expected_in_ = 0;
  std::map<int64_t, SessionMessage> buffered_;  // input held: not handed over, not acknowledged
  bool handshake_pending_ = false;
  bool delivering_ = false;  // in DeliverHeld (callbacks may call back)
};

}  // namespace fargo::dataplane::sessions
