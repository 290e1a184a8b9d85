// HttpListener: an Application Load Balancer's HTTP listener. Accepts at
// the load balancer's address, parses HTTP/1.1 requests and answers each by
// the listener's rules (RuleMatcher: priority order, the default rule last):
//   forward         to a target of the action's target group (weighted
//                   across several; with group stickiness, an AWSALBTG
//                   cookie keeps a client on its group), picked per request
//                   by the VPC's balancer (healthy targets, not draining;
//                   AWS's fail-open when none is healthy). The request gets
//                   X-Forwarded-For (the client's address appended),
//                   X-Forwarded-Proto and X-Forwarded-Port. No target to
//                   pick: 503; a target that cannot be reached or answers
//                   garbage: 502; one silent for the idle timeout: 504, as
//                   ALB answers (its HTML error pages, Server: awselb/2.0).
//   fixed-response  the status, content type and body configured.
//   redirect        301/302 with the Location of AWS's placeholders.
// Bodies are streamed both ways, a bounded chunk (64 KiB) per connection at
// a time, whatever their size: a request's body follows its header to the
// target as the client sends it (a 100 Continue first, from the load
// balancer, to a client that expects one), a response's body goes to the
// client as the target sends it (chunked when the target ends it by
// closing). Once a response's header has gone out, a target that dies
// mid-body ends the client's connection (its body truncated, as with ALB);
// a client that leaves ends the target's.
// Keep-alive on both sides: a client's connection serves request after
// request until it asks to close or is idle for the idle timeout
// (idle_timeout.timeout_seconds, 60 s); connections to targets are kept
// and reused by later requests to the same target once a response was read
// whole. Update() applies new rules to the next request; established
// connections stay. Everything runs on the balancer's event loop, without
// blocking. Loop thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "common/result.h"
#include "dataplane/lb/listener.h"

namespace fargo::dataplane::lb {

class HttpListener final : public Listener {
 public:
  // Binds and listens (on the calling thread: its namespace); AddressInUse
  // when the port is taken.
  static Result<std::unique_ptr<HttpListener>> Open(boost::asio::io_context& io, ListenerBackend& backend,
                                                    const ListenerConfig& config);
  ~HttpListener() override;
  void Update(const ListenerConfig& config) override;
  void Close() override;

  struct State;

 private:
  explicit HttpListener(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace fargo::dataplane::lb
