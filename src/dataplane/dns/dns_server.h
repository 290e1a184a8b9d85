// DnsServer: the resolver of every VPC of this fargo. For each VPC it
// listens on UDP and TCP port 53 at the VPC's resolver addresses (base + 2
// and 169.254.169.253) inside the VPC's network namespace: the sockets are
// opened by a short-lived thread that entered the namespace (setns), then
// served by the server's own event loop thread, which never leaves the
// host's namespace (so forwarded queries go out from the host). Queries
// are answered by DnsResolver, the rest forwarded by DnsForwarder (SERVFAIL
// when nobody answers in time). UDP answers larger than the query allows are
// truncated (TC) so that the client retries over TCP.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "dataplane/dns/dns_forwarder.h"
#include "dataplane/dns/dns_resolver.h"

namespace fargo::dataplane::dns {

class DnsServer {
 public:
  struct Options {
    DnsResolver::Options resolver;
    DnsForwarder::Options forwarder;
    uint16_t port = 53;
    size_t max_tcp_connections = 128;  // per VPC
    std::chrono::milliseconds tcp_idle{std::chrono::seconds(10)};
  };

  DnsServer(Options options, DnsResolver::NameSource source);
  ~DnsServer();  // Stop()
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Starts the event loop thread.
  Status Start();
  // Closes every listener and joins the thread. Idempotent.
  void Stop();

  // Answers for `view` at `addresses` (UDP and TCP, options.port; port 0:
  // one free port, the UDP one, for both) inside the network namespace
  // `netns_fd` (-1: the caller's, for tests). The addresses must be local
  // there. Replaces the VPC's listeners if it had some. Returns the port.
  // Blocking (namespace thread); REQUIRES: Start() succeeded; not on the
  // server's own thread.
  Result<uint16_t> Serve(const DnsVpcView& view, int netns_fd, const std::vector<std::string>& addresses);
  // Stops answering for the VPC (DNS support turned off, VPC removed). Ok
  // when it was not served.
  void Unserve(const std::string& vpc_id);
  bool Serving(const std::string& vpc_id) const;

  const DnsResolver& resolver() const { return resolver_; }

  struct Vpc;

 private:
  Options options_;
  DnsResolver resolver_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<DnsForwarder> forwarder_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Vpc>> vpcs_;
};

}  // namespace fargo::dataplane::dns
