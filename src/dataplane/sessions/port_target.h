// PortTarget: the target of Session Manager port forwarding
// (AWS-StartPortForwardingSession[ToRemoteHost]): what the SSM agent's port
// plugin does, with connections dialed by a PortDialer (from the task's
// network namespace). The handshake (SessionType "Port", the document's
// Properties) tells the client the mode by the agent version it reports:
//
//   mux (AgentVersion 3.3.0.0): the input is a byte stream of smux v1
//     frames from the client. SYN(sid) dials host:port on a thread of its
//     own (PSH that arrives meanwhile is kept); a failed dial is answered
//     with Flag ConnectToPortError, then FIN(sid). PSH is written to the
//     connection, what the destination sends comes back as PSH frames,
//     its close as FIN(sid); FIN from the client closes the connection
//     (after what was sent to it is written). NOP and unknown ids are
//     ignored; a frame that is not smux v1 ends the session.
//   basic (AgentVersion 3.0.196.0): one connection, dialed at open (failing
//     ends the session), raw bytes both ways, nothing but output sent.
//     DisconnectToPort (the client's local connection closed) closes it;
//     the next input dials again, as does input after the destination
//     closed (a failed re-dial drops that input).
//
// Output goes out in messages of up to 60 KiB (fewer messages, fewer
// system calls and acknowledgements; the plugin takes any size, smux any
// frame up to 64 KiB). Input not yet written to the
// destinations is bounded: past 16 MiB the session leaves it
// unacknowledged (the client resends). Close ends every connection; the
// stream's destruction joins its threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "dataplane/sessions/port_dialer.h"
#include "dataplane/sessions/session_target.h"

namespace fargo::dataplane::sessions {

class PortTarget final : public SessionTarget {
 public:
  struct Spec {
    std::string host = "localhost";  // destination (AWS-StartPortForwardingSessionToRemoteHost's host; else localhost)
    uint16_t port = 80;
    std::map<std::string, std::string> properties;  // the handshake's Properties: the document's, substituted
    bool mux = true;  // true: AgentVersion "3.3.0.0" (smux v1, keepalive off); false: "3.0.196.0" (basic)
  };
  // What one output message carries at most (a PSH frame with its header).
  static constexpr size_t kOutputChunk = 60 * 1024;
  // Input held for the destinations beyond this: the session stops taking more.
  static constexpr int64_t kMaxBacklog = 16 * 1024 * 1024;

  PortTarget(Spec spec, std::shared_ptr<PortDialer> dialer) : spec_(std::move(spec)), dialer_(std::move(dialer)) {}

  std::optional<Handshake> handshake() const override;
  size_t output_chunk() const override { return kOutputChunk; }
  std::unique_ptr<SessionStream> Open(Events events) override;

 private:
  Spec spec_;
  std::shared_ptr<PortDialer> dialer_;
};

}  // namespace fargo::dataplane::sessions
