// ClientChannel: the client side of a data channel, as the
// session-manager-plugin speaks it (fargo exec's own client and the tests'):
// the OpenDataChannel text frame, input numbered from 0 and resent until
// acknowledged (like the plugin, every 100 ms tick once due), output taken
// in sequence and acknowledged (later ones buffered and acknowledged,
// earlier ones ignored, not re-acknowledged), the handshake answered (shell
// session types and "Port": its type, agent version and properties go to
// the caller, which may refuse it), agent flags (PayloadType 10) handed
// over and client flags sent, channel_closed ending it. Quirks of the
// plugin kept on request: `drop_first_output` leaves the first output
// unacknowledged (its handler not ready yet), so the server must resend it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dataplane/sessions/reliable_sender.h"

namespace fargo::dataplane::sessions {

// What a HandshakeRequest asks for (its SessionType action).
struct ClientHandshake {
  std::string session_type;   // "Port", "InteractiveCommands", ...
  std::string agent_version;  // "3.3.0.0"
  // The action's Properties (strings; other JSON values serialized).
  std::map<std::string, std::string> properties;
};

// Flags of PayloadType 10 (4 bytes, big-endian).
namespace client_flag {
inline constexpr uint32_t kDisconnectToPort = 1;  // client -> agent, basic port mode
inline constexpr uint32_t kTerminateSession = 2;  // client -> agent (Ctrl-C)
inline constexpr uint32_t kConnectToPortError = 3;  // agent -> client
}  // namespace client_flag

class ClientChannel {
 public:
  struct Callbacks {
    std::function<void(std::string frame)> send;
    std::function<void(std::string_view bytes)> output;
    std::function<void(const std::string& message)> closed;  // channel_closed's Output
    std::function<void(int code)> exit_code = {};  // fargo's ExitCode message (outside the sequence)
    // A HandshakeRequest, before it is answered: false refuses its session
    // type (ActionStatus 3, Unsupported). None: every type accepted.
    std::function<bool(const ClientHandshake& handshake)> handshake = {};
    // HandshakeComplete, with its CustomerMessage (often empty).
    std::function<void(const std::string& customer_message)> handshake_complete = {};
    std::function<void(uint32_t flag)> flag = {};  // an agent's Flag message
  };
  struct Options {
    bool drop_first_output = false;
    std::string client_version = "1.2.0.0";
    // The ClientVersion a "Port" handshake is answered with: above
    // 1.2.331.0, so the agent turns smux keepalive off (and >= 1.1.70: mux).
    std::string port_client_version = "1.2.650.0";
    // Input is sent in messages of at most this many bytes (the plugin's
    // 1024; port sessions may use more, up to what the server takes).
    size_t input_chunk = 1024;
  };

  ClientChannel(Callbacks callbacks, Options options);

  // The first (text) frame: OpenDataChannel with the session's token.
  std::string OpenDataChannel(const std::string& token) const;
  Status OnFrame(std::string_view frame, int64_t now_ms);
  void SendInput(std::string_view bytes, int64_t now_ms);  // in chunks of 1024
  // The same, taking the bytes (not copied when they fit in one message).
  void SendOwnedInput(std::string bytes, int64_t now_ms);
  void SendSize(int cols, int rows, int64_t now_ms);
  // A Flag message (client_flag::kTerminateSession, ...), sent reliably.
  void SendFlag(uint32_t flag, int64_t now_ms);
  void Tick(int64_t now_ms);
  // After a reconnect: every unacknowledged input again.
  void Resend();

  bool closed() const { return closed_; }
  bool all_acknowledged() const { return in_.unacknowledged() == 0; }
  size_t unacknowledged_input() const { return in_.unacknowledged(); }
  int64_t expected_output() const { return expected_out_; }

 private:
  bool Deliver(const SessionMessage& m, int64_t now_ms);
  void AnswerHandshake(const SessionMessage& m, int64_t now_ms);
  void HandFlag(const SessionMessage& m);
  void Ack(const SessionMessage& m, int64_t now_ms);

  Callbacks cb_;
  Options opt_;
  ReliableSender in_{std::string(message_type::kInputStreamData)};
  int64_t expected_out_ = 0;
  std::map<int64_t, SessionMessage> buffered_;
  bool dropped_once_ = false;
  bool closed_ = false;
};

}  // namespace fargo::dataplane::sessions
