// PickTarget: which target of a target group a new connection goes to.
//
// A network load balancer picks by a hash of the flow (protocol, source and
// destination address and port), so one flow always lands on one target;
// only targets that are healthy and not draining are candidates. When none
// is healthy the load balancer fails open, as AWS documents for Network
// Load Balancers ("If a target group contains only unhealthy registered
// targets, the load balancer routes requests to all those targets,
// regardless of their health status": Elastic Load Balancing, Network Load
// Balancers, "Health checks for Network Load Balancer target groups"):
// then every target not draining is a candidate. Application Load Balancers
// do the same per request ("If a target group contains only unhealthy
// registered targets, the load balancer routes requests to all those
// targets, regardless of their health status": Elastic Load Balancing,
// Application Load Balancers, "Health checks for Application Load Balancer
// target groups"), and spread requests round robin: their hash is a
// counter. Draining targets never get new connections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fargo::dataplane::lb {

struct Candidate {
  bool healthy = false;
  bool draining = false;
};

// The index in `targets` of the one to use, nullopt when there is none.
std::optional<size_t> PickTarget(const std::vector<Candidate>& targets, uint64_t flow_hash);

// The flow hash of a TCP connection (FNV-1a of its 4-tuple).
uint64_t FlowHash(const std::string& src_ip, uint16_t src_port, const std::string& dst_ip, uint16_t dst_port);

}  // namespace fargo::dataplane::lb
