// TcpListener: a Network Load Balancer's TCP listener. Accepts at the
// load balancer's address, picks a target by the flow's hash and relays
// bytes both ways (half-close kept) from the load balancer's address, until
// both sides end or nothing moved for the idle timeout (350 s, the
// listener's tcp.idle_timeout.seconds). Loop thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "common/result.h"
#include "dataplane/lb/listener.h"

namespace fargo::dataplane::lb {

class TcpListener final : public Listener {
 public:
  // Binds and listens (on the calling thread: its namespace); AddressInUse
  // when the port is taken.
  static Result<std::unique_ptr<TcpListener>> Open(boost::asio::io_context& io, ListenerBackend& backend,
                                                   const ListenerConfig& config);
  ~TcpListener() override;
  void Update(const ListenerConfig& config) override;
  void Close() override;

  struct State;

 private:
  explicit TcpListener(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace fargo::dataplane::lb
