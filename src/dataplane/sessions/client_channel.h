// ClientChannel: the client side of a data channel, as the
// session-manager-plugin speaks it (fargo exec's own client and the tests'):
// the OpenDataChannel text frame, input numbered from 0 and resent until
// acknowledged (like the plugin, every 100 ms tick once due), output taken
// in sequence and acknowledged (later ones buffered and acknowledged,
// earlier ones ignored, not re-acknowledged), the handshake answered for
// shell session types, channel_closed ending it. Quirks of the plugin kept
// on request: `drop_first_output` leaves the first output unacknowledged
// (its handler not ready yet), so the server must resend it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dataplane/sessions/reliable_sender.h"

namespace fargo::dataplane::sessions {

class ClientChannel {
 public:
  struct Callbacks {
    std::function<void(std::string frame)> send;
    std::function<void(std::string_view bytes)> output;
    std::function<void(const std::string& message)> closed;  // channel_closed's Output
    std::function<void(int code)> exit_code = {};  // fargo's ExitCode message (outside the sequence)
  };
  struct Options {
    bool drop_first_output = false;
    std::string client_version = "1.2.0.0";
  };

  ClientChannel(Callbacks callbacks, Options options);

  // The first (text) frame: OpenDataChannel with the session's token.
  std::string OpenDataChannel(const std::string& token) const;
  Status OnFrame(std::string_view frame, int64_t now_ms);
  void SendInput(std::string_view bytes, int64_t now_ms);  // in chunks of 1024
  void SendSize(int cols, int rows, int64_t now_ms);
  void Tick(int64_t now_ms);
  // After a reconnect: every unacknowledged input again.
  void Resend();

  bool closed() const { return closed_; }
  bool all_acknowledged() const { return in_.unacknowledged() == 0; }
  int64_t expected_output() const { return expected_out_; }

 private:
  bool Deliver(const SessionMessage& m, int64_t now_ms);
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
