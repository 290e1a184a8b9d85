// PortForwarder: listeners on the host whose connections are relayed to an
// address inside a VPC's network namespace (`fargo port-forward`).
//
// Each forward has a thread of its own that enters the VPC's namespace
// (setns moves only that thread) and runs the forward's event loop: the
// listening socket is opened on the host by Open() before, and every socket
// it connects is opened on that thread, so inside the VPC. Nothing is routed
// on the host; VPCs may overlap each other and the host's networks.
//
// A forward lives until Close() or until its lease runs out (Renew() extends
// it): the command that asked for it renews it while it runs, so a command
// killed with -9 leaves no listener behind for long.
//
// Thread-safe. Needs CAP_SYS_ADMIN (setns), as the VPC fabric does.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::dataplane {

class PortForwarder {
 public:
  struct Target {
    std::string netns;    // named network namespace (under /run/netns)
    std::string address;  // IPv4 address inside it
    uint16_t port = 0;
  };
  struct Forward {
    std::string id;
    std::string listen_host;
    uint16_t listen_port = 0;
    Target target;
  };

  explicit PortForwarder(std::chrono::milliseconds lease = std::chrono::seconds(30));
  ~PortForwarder();  // closes every forward
  PortForwarder(const PortForwarder&) = delete;
  PortForwarder& operator=(const PortForwarder&) = delete;

  // Listens on host:port (port 0: any free one) and relays each connection
  // to target. NotFound when the namespace does not exist; AddressInUse
  // when the port is taken.
  Result<Forward> Open(const Target& target, const std::string& host, uint16_t port);
  // Extends the forward's lease; NotFound when it is gone (closed, expired).
  Status Renew(const std::string& id);
  // Stops listening and drops the forward's connections; ok when gone.
  Status Close(const std::string& id);
  // Forwards still listening.
  std::vector<Forward> List();

 private:
  struct Entry;
  void SweepLocked();

  std::chrono::milliseconds lease_;
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace fargo::dataplane
