// ImdsServer: the instance metadata service at 169.254.169.254:80 inside
// each VPC's namespace (a /32 on its lo, VpcFabric's local_addresses), so an
// instance's request arrives with its own address as the source: (VPC,
// source address) names the instance, even where VPCs share a CIDR.
//
// HTTP/1.1, one request per connection (Connection: close), bounded (16 KiB
// of headers, 4 KiB of body, 10 s to send the request). What to answer is
// asked of the resolver, asynchronously (fargo serve posts to the state
// thread). A token's answer leaves with the instance's hop limit as its IP
// TTL, as AWS's does. One io_context thread of its own.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio.hpp>

#include "common/result.h"
#include "dataplane/imds/imds_responder.h"

namespace fargo::dataplane::imds {

class ImdsServer {
 public:
  // vpc_id and the source address of the request; `reply` may be called from
  // any thread, once.
  using Reply = std::function<void(ImdsResponse)>;
  using Resolver = std::function<void(const std::string& vpc_id, const std::string& source_ip, ImdsRequest req,
                                      Reply reply)>;

  explicit ImdsServer(Resolver resolver);
  ~ImdsServer();  // Stop()

  Status Start();
  void Stop();

  // Listens on `address`:`port` inside the namespace `netns_fd` (-1: this
  // one) for `vpc_id`, replacing an earlier listener of that VPC.
  Result<uint16_t> Serve(const std::string& vpc_id, int netns_fd, const std::string& address = "169.254.169.254",
                         uint16_t port = 80);
  bool Serving(const std::string& vpc_id) const;

 private:
  struct Listener;
  void Accept(std::shared_ptr<Listener> l);

  Resolver resolver_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Listener>> listeners_;
};

}  // namespace fargo::dataplane::imds
