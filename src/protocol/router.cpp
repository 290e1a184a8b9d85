#include "protocol/router.h"

#include "common/strings.h"
#include "protocol/sigv4.h"

namespace fargo::protocol {

namespace {

// Signing names and query API versions of the query-protocol services.
struct QueryService {
  const char* service;
  const char* signing_name;
  const char* version;
};
constexpr QueryService kQueryServices[] = {
    {"iam", "iam", "2010-05-08"},
    {"sts", "sts", "2011-06-15"},
    {"ec2", "ec2", "2016-11-15"},
    {"elbv2", "elasticloadbalancing", "2015-12-01"},
};

// JSON 1.1 target prefixes.
struct JsonService {
  const char* service;
  const char* target_prefix;
};
constexpr JsonService kJsonServices[] = {
    {"logs", "Logs_20140328"},
    {"ecs", "AmazonEC2ContainerServiceV20141113"},
    {"ssm", "AmazonSSM"},
};

}  // namespace

Result<Route> Router::Resolve(const HttpRequest& req, const ServiceModel** model_out) const {
  *model_out = nullptr;
  Route route;
  auto scope = ScopeOf(req);
  route.region = scope && !scope->region.empty() ? scope->region : default_region_;
  route.access_key = scope ? scope->access_key : std::string();

  if (auto* target = req.Header("x-amz-target")) {
    auto dot = target->rfind('.');
    std::string prefix = dot == std::string::npos ? *target : target->substr(0, dot);
    std::string op = dot == std::string::npos ? std::string() : target->substr(dot + 1);
    for (const auto& js : kJsonServices) {
      if (prefix != js.target_prefix) continue;
      route.model = models_.Get(js.service);
      *model_out = route.model;
      route.op = route.model->FindOperation(op);
      if (!route.op)
        return AwsError::Make("UnknownOperationException", "Unknown operation " + *target);
      return route;
    }
    return AwsError::Make("UnknownOperationException", "Unknown target prefix " + prefix);
  }

  // Signed for S3: never a query action, whatever the body looks like.
  if (scope && scope->service == "s3") {
    route.model = models_.Get("s3");
    *model_out = route.model;
    return route;
  }

  const std::string* ctype = req.Header("content-type");
  bool form = ctype && StartsWith(ToLower(*ctype), "application/x-www-form-urlencoded");
  Params params = form ? ParseForm(req.body) : Params();
  for (const auto& kv : req.query) params.emplace(kv.first, kv.second);
  auto action = params.find("Action");
  if (action != params.end() && (form || req.method == "GET")) {
    const char* service = nullptr;
    if (scope) {
      for (const auto& qs : kQueryServices)
        if (scope->service == qs.signing_name) service = qs.service;
    }
    if (!service) {
      auto ver = params.find("Version");
      for (const auto& qs : kQueryServices)
        if (ver != params.end() && ver->second == qs.version) service = qs.service;
    }
    if (!service)
      return AwsError::Make("InvalidAction", "Could not determine the service for action " +
                                                 action->second);
    route.model = models_.Get(service);
    *model_out = route.model;
    route.op = route.model->FindOperation(action->second);
    if (!route.op)
      return AwsError::Make("InvalidAction",
                            "The action " + action->second + " is not valid for this web service.");
    route.params = std::move(params);
    return route;
  }

  // Everything else is REST: S3.
  route.model = models_.Get("s3");
  *model_out = route.model;
  return route;
}

}  // namespace fargo::protocol
