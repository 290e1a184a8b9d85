// ProbeTarget: one health check of one target, as its target group says:
// TCP (the connection opens), HTTP (GET path answers a status the matcher
// accepts), HTTPS (the same over TLS, the target's certificate not
// verified, as ELB does), within HealthCheckTimeoutSeconds. Asynchronous on the caller's io_context; the
// socket is opened on the calling thread (so in its network namespace).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "dataplane/lb/target_health.h"
#include "services/elbv2/elbv2_plan.h"

namespace fargo::dataplane::lb {

// `done` runs exactly once, on the io_context. `source` (unspecified: any)
// is the address the check comes from: the load balancer's.
void ProbeTarget(boost::asio::io_context& io, const boost::asio::ip::address& source,
                 const boost::asio::ip::tcp::endpoint& target, const services::elbv2::HealthCheckPlan& hc,
                 std::function<void(CheckResult)> done);

// The status code of an HTTP response's first line ("HTTP/1.1 200 OK"), 0
// when it is not one.
int ParseStatusLine(const std::string& line);

}  // namespace fargo::dataplane::lb
