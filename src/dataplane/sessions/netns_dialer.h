// NetnsDialer: a port session's connections as the target's own: sockets
// made inside its network namespace (runtime/netns.h RunInNetns), so they
// leave from the target's address, through its security groups. Names that
// are not literal addresses are asked of the VPC's DNS resolver (an A
// query over UDP from inside the namespace, 2 s, once more, then an error;
// NXDOMAIN is UnknownHost); "localhost" is 127.0.0.1 of the namespace. The
// connect gives up after 10 s. The socket is then used from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "dataplane/sessions/port_dialer.h"

namespace fargo::dataplane::sessions {

class NetnsDialer final : public PortDialer {
 public:
  // open_netns: opens the target's network namespace (called for each Dial); resolver: the IPv4 (host order)
  // of the VPC's DNS resolver, queried over UDP from INSIDE the namespace for names that are not literal
  // addresses ("localhost" is 127.0.0.1 in the namespace).
  NetnsDialer(std::function<Result<runtime::UniqueFd>()> open_netns, uint32_t resolver)
      : open_netns_(std::move(open_netns)), resolver_(resolver) {}

  Result<runtime::UniqueFd> Dial(const std::string& host, uint16_t port) override;

  // Test seams: the resolver's port and the waits.
  uint16_t resolver_port = 53;
  int dns_timeout_ms = 2000;
  int connect_timeout_ms = 10000;

 private:
  // The IPv4 (host order) of `name`, asked of the resolver from inside the
  // namespace `netns_fd`.
  Result<uint32_t> Resolve(int netns_fd, const std::string& name) const;

  std::function<Result<runtime::UniqueFd>()> open_netns_;
  uint32_t resolver_;
};

}  // namespace fargo::dataplane::sessions
