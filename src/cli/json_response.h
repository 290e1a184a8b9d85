// fargo's own endpoints (/_fargo/...) answer JSON: a body with its status,
// and errors as {"__type", "message"}, the shape of AWS's JSON protocols.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "protocol/http_types.h"

namespace fargo::cli {

inline protocol::HttpResponse JsonResponse(int status, const boost::json::value& body) {
  protocol::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

inline protocol::HttpResponse JsonError(int status, std::string_view type, std::string_view message) {
  return JsonResponse(status, boost::json::object{{"__type", type}, {"message", message}});
}

}  // namespace fargo::cli
