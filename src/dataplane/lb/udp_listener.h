// UdpListener: a Network Load Balancer's UDP listener (and the UDP half of
// a TCP_UDP one). Receives at the load balancer's address; each flow (the
// client's address and port) goes to the target its hash picks, through a
// socket of its own from the load balancer's address, and the target's
// answers go back to the client from the listener's address and port. A
// flow ends when nothing moved for 120 s (NLB's UDP idle timeout, not
// configurable on AWS). Loop thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "common/result.h"
#include "dataplane/lb/listener.h"

namespace fargo::dataplane::lb {

class UdpListener final : public Listener {
 public:
  static constexpr int kIdleTimeoutSeconds = 120;

  // Binds (on the calling thread: its namespace); AddressInUse when the
  // port is taken.
  static Result<std::unique_ptr<UdpListener>> Open(boost::asio::io_context& io, ListenerBackend& backend,
                                                   const ListenerConfig& config);
  ~UdpListener() override;
  // A changed target group applies to new flows.
  void Update(const ListenerConfig& config) override;
  // Stops receiving and ends every flow (their answers would have no
  // socket to leave from).
  void Close() override;

  struct State;

 private:
  explicit UdpListener(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace fargo::dataplane::lb
