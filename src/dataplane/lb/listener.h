// Listener: what answers at one load balancer address and port inside a
// VPC. The protocol seam of the load balancers' data plane: TcpListener
// (NLB TCP) relays bytes, UdpListener datagrams; HttpListener (ALB HTTP)
// parses requests and chooses by the listener's rules, asking the same
// ListenerBackend for targets.
// Loop thread only.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include <memory>
#include <vector>

#include "common/result.h"
#include "services/elbv2/elbv2_plan.h"

namespace fargo::dataplane::lb {

class ListenerTls;

struct ListenerConfig {
  std::string load_balancer_arn, listener_arn, target_group_arn;
  std::string address;  // the load balancer's, in the VPC
  uint16_t port = 0;
  int idle_timeout_s = 350;
  bool udp = false;  // the UDP half (UdpListener); else TCP (TcpListener)
  // HTTP listeners (HttpListener): the rules, by priority, the default last.
  std::shared_ptr<const std::vector<services::elbv2::RulePlan>> rules;
  // TLS (TcpListener) and HTTPS (HttpListener) listeners: TLS is
  // terminated with these certificates; null: plain TCP or HTTP.
  std::shared_ptr<ListenerTls> tls;
  // TLS listeners forwarding to a TLS target group: re-encrypted to the
  // target (not verified).
  bool tls_to_target = false;
};

// What a listener asks of its VPC's balancer.
class ListenerBackend {
 public:
  virtual ~ListenerBackend() = default;
  // The target a new flow goes to (nullopt: none to go to).
  virtual std::optional<boost::asio::ip::tcp::endpoint> Pick(const std::string& target_group_arn,
                                                            uint64_t flow_hash) = 0;
  // A relayed connection opened (+1) or ended (-1).
  virtual void CountConnection(int delta) = 0;
};

// Why a listener could not open at `config`'s address and port ("" or
// "/udp" after them): AddressInUse when the port is taken.
inline AwsError ListenFailure(const ListenerConfig& config, const char* transport,
                              const boost::system::error_code& ec) {
  std::string what = config.address + ":" + std::to_string(config.port) + transport + ": " + ec.message();
  if (ec == boost::asio::error::address_in_use) return AwsError::Make("AddressInUse", "cannot listen on " + what, 409);
  return AwsError::Make("InternalError", "cannot listen on " + what, 500);
}

// Opens `acceptor` listening at `config`'s address and port (TCP listeners:
// TcpListener, HttpListener).
inline Status ListenAt(boost::asio::ip::tcp::acceptor& acceptor, const ListenerConfig& config) {
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  tcp::endpoint local(boost::asio::ip::make_address(config.address, ec), config.port);
  if (!ec) acceptor.open(local.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(local, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return ListenFailure(config, "", ec);
  return OkStatus();
}

class Listener {
 public:
  virtual ~Listener() = default;
  // Changed target group or idle timeout: applies to new connections.
  virtual void Update(const ListenerConfig& config) = 0;
  // Stops accepting; connections established stay until they end.
  virtual void Close() = 0;
};

}  // namespace fargo::dataplane::lb
