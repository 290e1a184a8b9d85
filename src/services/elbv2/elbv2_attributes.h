// ELBv2 attribute catalogues: AWS's default attributes of load balancers,
// target groups and listeners (they depend on the load balancer type, the
// protocol and the target type), and validation of attribute changes.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fargo::services::elbv2 {

// Ordered (key, value) pairs, in the order AWS lists them.
using Attributes = std::vector<std::pair<std::string, std::string>>;

// `lb_type`: application | network | gateway.
Attributes DefaultLoadBalancerAttributes(std::string_view lb_type);
// `protocol` may be empty (lambda target groups); `target_type`: instance | ip | lambda | alb.
Attributes DefaultTargetGroupAttributes(std::string_view protocol, std::string_view target_type);
// Listener attributes of a listener of `protocol` on a load balancer of `lb_type`.
Attributes DefaultListenerAttributes(std::string_view lb_type, std::string_view protocol);

// The defaults as a JSON object (key -> string value), the stored form.
boost::json::object ToObject(const Attributes& attrs);
// The stored form as the API's [{Key, Value}] list.
boost::json::array ToKeyValueList(const boost::json::object& attrs);

// Validates every change of `changes` ([{Key, Value}]) against the keys
// present in `current` and their value kinds, then applies all of them (or
// none). `what` names the resource kind in messages: "Load balancer",
// "Target group" or "Listener".
Status ApplyAttributeChanges(boost::json::object& current, const boost::json::array& changes,
                             std::string_view what);

}  // namespace fargo::services::elbv2
