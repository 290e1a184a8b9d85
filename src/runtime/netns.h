// Network namespaces, the way `ip netns` keeps them: a named namespace is a
// file under /run/netns bind-mounted onto the namespace, so it outlives the
// process that made it (fargo may be killed and restarted; the VPCs stay).
//
// setns() moves only the calling thread, so work inside a namespace runs on
// a short-lived thread of its own (RunInNetns) and the rest of fargo never
// leaves the host's namespace. Needs CAP_SYS_ADMIN and CAP_NET_ADMIN.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::runtime {

inline constexpr const char* kNetnsDir = "/run/netns";

// An owned file descriptor (closed on destruction).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Creates the named namespace (its loopback up). Ok when it already exists.
Status CreateNamedNetns(const std::string& name);
// Opens a named namespace; kNetnsNotFound when there is none.
Result<UniqueFd> OpenNamedNetns(const std::string& name);
// Unmounts and removes the name; the namespace goes with its last user. Ok
// when absent.
Status RemoveNamedNetns(const std::string& name);
// Names under /run/netns starting with `prefix`.
std::vector<std::string> ListNamedNetns(const std::string& prefix);
// The network namespace of process `pid` (e.g. a sandbox's PID 1).
Result<UniqueFd> OpenProcessNetns(int pid);

// Runs `fn` on a thread inside the namespace `netns_fd` and returns its
// result; the caller's thread stays where it is.
Status RunInNetns(int netns_fd, const std::function<Status()>& fn);

// Writes a sysctl of the namespace `netns_fd` ("net/ipv4/ip_forward" = "1").
Status SetNetnsSysctl(int netns_fd, const std::string& key, const std::string& value);

inline constexpr const char* kNetnsNotFound = "NetnsNotFound";

}  // namespace fargo::runtime
