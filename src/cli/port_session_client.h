// PortSessionClient: the local end of a Session Manager port-forwarding
// session, as the session-manager-plugin runs it: a listener on
// 127.0.0.1:<localPortNumber> (0: an ephemeral port) whose connections go
// through the session's data channel.
//
// Mode, as the plugin decides it from the handshake: "mux" when the
// properties' type is LocalPortForwarding and the AgentVersion is above
// 3.0.196.0 — every local connection is an smux v1 stream (odd ids from 3:
// SYN on accept, PSH with its bytes, FIN at its end; the agent's PSH is
// written to it, its FIN closes it, NOP is ignored), many at once; else
// "basic" — one local connection at a time, raw bytes both ways, Flag 1
// (DisconnectToPort) when it closes, the next one accepted after that.
//
// Flow control: local sockets are read only while the channel has fewer
// than `max_unacknowledged` input messages unacknowledged; OnProgress
// (after the agent's frames) resumes them. Terminate (Ctrl-C) sends Flag 2
// and closes everything. All on one asio event loop, nothing blocking; the
// lines the plugin prints go to `print`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dataplane/sessions/client_channel.h"
#include "dataplane/sessions/smux_frame.h"

namespace fargo::cli {

class PortSessionClient {
 public:
  struct Options {
    std::string session_id;
    std::optional<int> local_port;  // instead of the properties' localPortNumber
    std::string local_address = "127.0.0.1";
    size_t max_unacknowledged = 64;  // input messages in flight
    size_t read_chunk = 16 * 1024 - dataplane::sessions::kSmuxHeaderSize;  // bytes per local read
    std::function<void(const std::string& line)> print;  // default: stdout
    std::function<int64_t()> now_ms;                     // default: the wall clock, in ms
  };

  // REQUIRES: `channel` outlives this; its `send` is ready; everything here
  // runs on `io`'s loop.
  PortSessionClient(boost::asio::io_context& io, dataplane::sessions::ClientChannel& channel, Options options);
  ~PortSessionClient();

  // Whether a handshake is a port-forwarding one (SessionType "Port").
  static bool IsPortSession(const dataplane::sessions::ClientHandshake& handshake);
  // Whether the plugin would use smux for it (type LocalPortForwarding,
  // AgentVersion above 3.0.196.0, compared per component, 4 of them).
  static bool UsesMux(const dataplane::sessions::ClientHandshake& handshake);

  // Takes the handshake (at HandshakeRequest): the mode and the local port.
  void Configure(const dataplane::sessions::ClientHandshake& handshake);
  // Listens and prints "Port <n> opened ..." (at HandshakeComplete). An
  // error when the port cannot be bound.
  Status Start();
  // The channel's callbacks.
  void OnOutput(std::string_view bytes);
  void OnFlag(uint32_t flag);
  // After each frame from the agent: reading resumes once acknowledged.
  void OnProgress();
  // Ctrl-C: Flag 2 (TerminateSession), local sockets and the listener closed.
  void Terminate();
  // The channel ended: local sockets and the listener closed.
  void Close();

  bool mux() const { return mux_; }
  int local_port() const { return bound_port_; }
  // Local connections open now.
  size_t connections() const { return streams_.size(); }

 private:
  struct Stream {
    uint32_t id = 0;
    boost::asio::ip::tcp::socket socket;
    std::deque<std::string> writes;
    bool writing = false, reading = false, paused = false;
    bool remote_closed = false;  // FIN from the agent: close once written
    bool gone = false;           // forgotten: its handlers do nothing
    std::string buffer;
    explicit Stream(boost::asio::io_context& io) : socket(io) {}
  };
  using StreamPtr = std::shared_ptr<Stream>;  // shared with its pending handlers

  void Accept();
  void Accepted(const StreamPtr& s);
  void ReadLocal(const StreamPtr& s);
  void LocalEnded(const StreamPtr& s);
  void WriteLocal(const StreamPtr& s);
  void Forget(const StreamPtr& s);
  void SendInput(std::string bytes);
  bool Congested() const;
  void Print(const std::string& line);

  boost::asio::io_context& io_;
  dataplane::sessions::ClientChannel& channel_;
  Options opt_;
  boost::asio::ip::tcp::acceptor acceptor_;
  bool mux_ = false, started_ = false, closed_ = false, accepting_ = false;
  int want_port_ = 0, bound_port_ = 0;
  uint32_t next_id_ = 3;
  dataplane::sessions::SmuxReader reader_;
  // Mux: by stream id; basic: the one connection under id 0.
  std::map<uint32_t, StreamPtr> streams_;
};

}  // namespace fargo::cli
