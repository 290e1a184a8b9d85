// Netlink: the few rtnetlink requests the VPC fabric needs (links, bridges,
// veth pairs, addresses, routes), on one NETLINK_ROUTE socket that belongs to
// the network namespace it was opened in. Blocking; not thread-safe (one
// Netlink per thread at a time). Needs CAP_NET_ADMIN.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fargo::runtime {

class Netlink {
 public:
  // A socket in the caller's namespace, or in `netns_fd`'s when >= 0 (the
  // socket keeps talking to that namespace from any thread).
  static Result<Netlink> Open(int netns_fd = -1);

  Netlink(Netlink&& o) noexcept : fd_(o.fd_), seq_(o.seq_) { o.fd_ = -1; }
  Netlink& operator=(Netlink&&) = delete;
  Netlink(const Netlink&) = delete;
  ~Netlink();

  // The link's index; kLinkNotFound when there is none.
  Result<int> LinkIndex(std::string_view name);
  // A bridge with the fixed address `mac` ("02:.."): a bridge left to choose
  // takes its ports' lowest address and changes it as ports come and go,
  // which strands every neighbour that cached the old one (as gateway).
  Status CreateBridge(std::string_view name, int mtu, std::string_view mac);
  // Sets the link's hardware address (a bridge keeps one that was set).
  Status SetMac(std::string_view name, std::string_view mac);
  // A veth pair: `name` here and `peer` created directly in the namespace
  // `peer_netns_fd`, with `peer_mac` ("0a:58:..", empty: random) and `mtu`
  // on both ends.
  Status CreateVeth(std::string_view name, std::string_view peer, int peer_netns_fd, std::string_view peer_mac,
                    int mtu);
  Status SetMaster(std::string_view name, std::string_view master);
  Status SetUp(std::string_view name);
  // Adds ip/prefix to the link (ok when present).
  Status AddAddress(std::string_view name, std::string_view ip, int prefix);
  // Adds a route to dst/prefix (0.0.0.0/0: default) via `gateway`, or
  // on-link through `dev` when gateway is empty (ok when present).
  Status AddRoute(std::string_view dst, int prefix, std::string_view gateway, std::string_view dev = {});
  // Removes a link (its veth peer goes with it); ok when absent.
  Status DeleteLink(std::string_view name);

 private:
  explicit Netlink(int fd) : fd_(fd) {}
  // The link's ifinfomsg and attributes; kLinkNotFound when there is none.
  Result<std::string> GetLink(std::string_view name);
  // Sends one request and waits for its acknowledgement; returns 0 or errno.
  // `reply` (when not null) receives the first non-error answer's payload.
  int Transact(void* msg, std::string* reply = nullptr);
  Status Check(int err, const std::string& what, bool ok_if_exists = true);

  int fd_ = -1;
  uint32_t seq_ = 0;
};

inline constexpr const char* kLinkNotFound = "LinkNotFound";

// Whether an interface of the caller's namespace has the IPv4 address `ip`.
bool InterfaceHasAddress(const std::string& ip);

}  // namespace fargo::runtime
