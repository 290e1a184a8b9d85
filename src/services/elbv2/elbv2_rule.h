// ListenerRule: a rule an application load balancer's listener evaluates
// before its default action (CreateRule), as stored in elbv2.rules keyed
// Key(region, RuleArn). Conditions and actions are kept in the form the API
// shows them (members named as in the botocore model, normalised by
// elbv2_rules.cpp), so DescribeRules answers them as they are.
// The default rule is not one of these: it is the listener's DefaultActions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace fargo::services::elbv2 {

struct ListenerRule {
  std::string region, arn, listener_arn;
  int64_t priority = 0;  // 1..50000, unique within the listener
  boost::json::array conditions;
  boost::json::array actions;
  std::map<std::string, std::string> tags;
};

boost::json::object ToStored(const ListenerRule& r);
Result<ListenerRule> FromStored(const boost::json::object& d, const ListenerRule*);

// Validates a rule's Conditions as AWS does (ValidationError) and returns
// them as DescribeRules shows them. elbv2_rules.cpp.
Result<boost::json::array> NormalizeConditions(const boost::json::array& conditions);

// The Rule shape of the API (Priority is a string there).
boost::json::object RuleView(const ListenerRule& r);

}  // namespace fargo::services::elbv2
